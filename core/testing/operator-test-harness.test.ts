import { describe, expect, it } from "vitest";
import { OperatorTestHarness } from "./operator-test-harness.ts";
import { OutputTag, type OperatorContext, type StreamOperator } from "../runtime/operator.ts";
import { ReducingStateDescriptor, type InternalKvState, type ReducingState } from "../state/types.ts";
import type { Timer } from "../time/types.ts";

interface Click {
  user: string;
  ts: number;
}

const late = new OutputTag<Click>("late");

/** Counts clicks per user per 10 s tumbling window; late clicks go to a side output. */
class WindowCount implements StreamOperator<Click, [string, number, number]> {
  private ctx!: OperatorContext<[string, number, number]>;
  private counts!: ReducingState<number> & InternalKvState;
  setup(ctx: OperatorContext<[string, number, number]>): void {
    this.ctx = ctx;
  }
  open(): void {
    this.counts = this.ctx.keyed!.backend.getState(new ReducingStateDescriptor<number>("count", (a, b) => a + b));
  }
  processElement(value: Click, timestamp: number): void {
    const end = Math.floor(timestamp / 10_000) * 10_000 + 10_000;
    if (end - 1 <= this.ctx.currentWatermark()) {
      this.ctx.output.collectSide(late, value, timestamp);
      return;
    }
    this.counts.setCurrentNamespace(end);
    this.counts.add(1);
    this.ctx.keyed!.timers.registerEventTimeTimer(end, end - 1);
  }
  onEventTime(timer: Timer): void {
    this.counts.setCurrentNamespace(timer.namespace as number);
    this.ctx.output.collect([String(timer.key), timer.namespace as number, this.counts.get()!], timer.timestamp);
    this.counts.clear();
  }
}

const key = (c: Click) => c.user;

describe("OperatorTestHarness", () => {
  it("collects records, watermarks and side outputs of a keyed operator", async () => {
    const h = new OperatorTestHarness(new WindowCount(), { keySelector: key });
    await h.open();
    h.processElement({ user: "a", ts: 1 }, 1_000);
    h.processElement({ user: "b", ts: 2 }, 2_000);
    h.processElement({ user: "a", ts: 3 }, 3_000);
    h.processElement({ user: "a", ts: 4 }, 12_000);
    expect(h.numEventTimeTimers()).toBe(3);
    h.processWatermark(9_999);
    expect(h.outputValues()).toEqual([
      ["a", 10_000, 2],
      ["b", 10_000, 1],
    ]);
    expect(h.output.map((r) => r.timestamp)).toEqual([9_999, 9_999]);
    expect(h.watermarks).toEqual([9_999]);
    h.processElement({ user: "b", ts: 5 }, 5_000);
    expect(h.sideOutputValues(late)).toEqual([{ user: "b", ts: 5 }]);
    expect(h.events.map((e) => e.kind)).toEqual(["record", "record", "watermark", "side"]);
    expect(h.numKeyedStateEntries()).toBe(1);
    await h.close();
  });

  it("restores from a snapshot and continues", async () => {
    const h = new OperatorTestHarness(new WindowCount(), { keySelector: key });
    await h.open();
    h.processElement({ user: "a", ts: 1 }, 1_000);
    h.processElement({ user: "a", ts: 2 }, 2_000);
    const snap = await h.snapshot(1);
    await h.close();
    const r = await OperatorTestHarness.restore(new WindowCount(), snap, { keySelector: key });
    r.processElement({ user: "a", ts: 3 }, 3_000);
    r.processWatermark(20_000);
    expect(r.outputValues()).toEqual([["a", 10_000, 3]]);
  });
});
