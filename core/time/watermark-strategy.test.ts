import { describe, expect, it } from "vitest";
import { EddyError } from "../errors.ts";
import { ManualClock } from "./clocks.ts";
import type { WatermarkGenerator, WatermarkOutput } from "./types.ts";
import { WatermarkStrategy } from "./watermark-strategy.ts";
import { mulberry32 as rng } from "../testing/random.ts";


class RecordingOutput implements WatermarkOutput {
  readonly log: (number | "idle" | "active")[] = [];
  emitWatermark(timestamp: number): void {
    this.log.push(timestamp);
  }
  markIdle(): void {
    this.log.push("idle");
  }
  markActive(): void {
    this.log.push("active");
  }
}

describe("WatermarkStrategy.forBoundedOutOfOrderness", () => {
  it("emits max timestamp - bound - 1 on periodic emit (seeded random input vs a direct computation)", () => {
    const bound = 250;
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<{ ts: number }>(bound).withTimestampAssigner((e) => e.ts);
    const gen = strategy.createWatermarkGenerator({ clock: new ManualClock() });
    const assign = strategy.createTimestampAssigner();
    const out = new RecordingOutput();
    const r = rng(5);
    const seen: number[] = [];
    const expected: number[] = [];
    gen.onPeriodicEmit(out);
    expected.push(-Infinity);
    for (let i = 0; i < 5000; i++) {
      const e = { ts: 1_000 + i * 10 - Math.floor(r() * 400) };
      const ts = assign(e, Number.NaN);
      gen.onEvent(e, ts, out);
      seen.push(ts);
      if (r() < 0.1) {
        gen.onPeriodicEmit(out);
        expected.push(Math.max(...seen) - bound - 1);
      }
    }
    expect(out.log).toEqual(expected);
  });

  it("forMonotonousTimestamps trails by 1 ms; noWatermarks emits nothing", () => {
    const mono = WatermarkStrategy.forMonotonousTimestamps<number>().createWatermarkGenerator({ clock: new ManualClock() });
    const out = new RecordingOutput();
    mono.onEvent(1, 100, out);
    mono.onPeriodicEmit(out);
    expect(out.log).toEqual([99]);
    const none = WatermarkStrategy.noWatermarks<number>().createWatermarkGenerator({ clock: new ManualClock() });
    none.onEvent(1, 100, out);
    none.onPeriodicEmit(out);
    expect(out.log).toEqual([99]);
  });

  it("keeps the record's timestamp without an assigner", () => {
    expect(WatermarkStrategy.forMonotonousTimestamps<string>().createTimestampAssigner()("x", 42)).toBe(42);
  });

  it("validates arguments, naming them", () => {
    expect(() => WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrow(EddyError);
    expect(() => WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrow(/maxOutOfOrdernessMs is -1/);
    expect(() => WatermarkStrategy.forBoundedOutOfOrderness(Number.NaN)).toThrow(/maxOutOfOrdernessMs/);
    expect(() => WatermarkStrategy.noWatermarks().withIdleness(0)).toThrow(/idleTimeoutMs=0/);
    expect(() => WatermarkStrategy.noWatermarks().withIdleness(-5)).toThrow(/idleTimeoutMs=-5/);
  });
});

describe("WatermarkStrategy.forGenerator and withIdleness", () => {
  it("uses a custom generator, created per call", () => {
    let created = 0;
    const strategy = WatermarkStrategy.forGenerator<number>(() => {
      created++;
      let max = -Infinity;
      return {
        onEvent: (e, ts, out) => {
          max = Math.max(max, ts);
          if (e < 0) out.emitWatermark(max); // punctuated
        },
        onPeriodicEmit: () => {},
      } satisfies WatermarkGenerator<number>;
    });
    const g = strategy.createWatermarkGenerator({ clock: new ManualClock() });
    strategy.createWatermarkGenerator({ clock: new ManualClock() });
    expect(created).toBe(2);
    const out = new RecordingOutput();
    g.onEvent(1, 10, out);
    g.onEvent(-1, 20, out);
    expect(out.log).toEqual([20]);
  });

  it("marks idle after the timeout without events, and active on the next event", () => {
    const clock = new ManualClock(1_000);
    const gen = WatermarkStrategy.forBoundedOutOfOrderness<number>(0)
      .withIdleness(500)
      .createWatermarkGenerator({ clock });
    const out = new RecordingOutput();
    gen.onEvent(1, 100, out);
    gen.onPeriodicEmit(out); // activity seen: emits
    clock.advanceBy(200);
    gen.onPeriodicEmit(out); // no new activity: starts the inactivity timer, still emits
    clock.advanceBy(500);
    gen.onPeriodicEmit(out); // exactly 500 ms inactive: not yet idle (Flink uses >)
    clock.advanceBy(1);
    gen.onPeriodicEmit(out); // idle
    gen.onPeriodicEmit(out); // stays idle, no repeat
    gen.onEvent(2, 300, out); // active again
    gen.onPeriodicEmit(out);
    expect(out.log).toEqual([99, 99, 99, "idle", "active", 299]);
  });
});
