import { describe, expect, it } from "vitest";
import {
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  GlobalWindows,
  TimeEvictor,
  TumblingEventTimeWindows,
  WindowOperator,
  type TimestampedValue,
  type WindowOperatorOptions,
} from "./index.ts";
import { drive, mulberry32 } from "./window-test-support.ts";

type Ev = { k: string; v: number };
const ev = (k: string, v: number): Ev => ({ k, v });
const tv = (value: number, timestamp: number): TimestampedValue<number> => ({ value, timestamp });
const ctx = { currentProcessingTime: 0, currentWatermark: 0 };
const w = { maxTimestamp: () => 0 };

function op(options: Partial<WindowOperatorOptions<Ev, unknown, any>>) {
  return new WindowOperator<Ev, unknown, any>({
    assigner: TumblingEventTimeWindows.of(10),
    function: { kind: "process", process: (_k, _c, els, out) => out.collect([...els].map((e) => e.v)) },
    name: "Window(evicting)",
    ...options,
  } as WindowOperatorOptions<Ev, unknown, any>);
}

describe("evictors", () => {
  it("CountEvictor keeps the last n, before or after the function", () => {
    const els = [tv(1, 1), tv(2, 2), tv(3, 3)];
    CountEvictor.of(2).evictBefore(els);
    expect(els.map((e) => e.value)).toEqual([2, 3]);
    const after = [tv(1, 1), tv(2, 2), tv(3, 3)];
    CountEvictor.of(1, true).evictBefore(after);
    expect(after).toHaveLength(3);
    CountEvictor.of(1, true).evictAfter(after);
    expect(after.map((e) => e.value)).toEqual([3]);
    expect(() => CountEvictor.of(-1)).toThrow(/CountEvictor: maxCount/);
  });

  it("TimeEvictor keeps elements newer than max timestamp - size", () => {
    const els = [tv(1, 10), tv(2, 25), tv(3, 20), tv(4, 14)];
    TimeEvictor.of(10).evictBefore(els);
    expect(els.map((e) => e.value)).toEqual([2, 3]);
    const none = [tv(1, Number.NaN), tv(2, Number.NaN)];
    TimeEvictor.of(10).evictBefore(none);
    expect(none).toHaveLength(2);
    expect(() => TimeEvictor.of(0)).toThrow(/TimeEvictor: windowSize/);
  });

  it("DeltaEvictor drops elements far from the newest", () => {
    const els = [tv(1, 0), tv(8, 0), tv(5, 0), tv(9, 0)];
    DeltaEvictor.of<number>(5, (a, b) => Math.abs(a - b)).evictBefore(els, 4, w, ctx);
    expect(els.map((e) => e.value)).toEqual([8, 5, 9]);
  });
});

describe("WindowOperator with an evictor", () => {
  it("sliding count windows: GlobalWindows + CountEvictor(3) + CountTrigger(2), as Flink's countWindow(3, 2)", async () => {
    const d = await drive(
      op({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(3) }),
      (e: Ev) => e.k,
    );
    const fired: unknown[] = [];
    for (let v = 1; v <= 7; v++) for (const o of d.element(ev("a", v), v)) fired.push(o.value);
    expect(fired).toEqual([[1, 2], [2, 3, 4], [4, 5, 6]]);
  });

  it("reduce and aggregate run over the elements left after eviction", async () => {
    const reduce = await drive(
      op({ function: { kind: "reduce", reduce: (a: Ev, b: Ev) => ({ k: a.k, v: a.v + b.v }) }, evictor: TimeEvictor.of(3) }),
      (e: Ev) => e.k,
    );
    reduce.element(ev("a", 1), 1);
    reduce.element(ev("a", 10), 7);
    reduce.element(ev("a", 100), 5);
    expect(reduce.watermark(9)).toEqual([{ value: ev("a", 110), ts: 9 }]);
    const aggregate = await drive(
      op({
        function: {
          kind: "aggregate",
          aggregate: { createAccumulator: () => 0, add: (_e: Ev, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
        },
        evictor: CountEvictor.of(2),
      }),
      (e: Ev) => e.k,
    );
    for (let v = 0; v < 5; v++) aggregate.element(ev("a", v), v);
    expect(aggregate.watermark(9)).toEqual([{ value: 2, ts: 9 }]);
  });

  it("evicted elements stay gone when the window fires again within the allowed lateness", async () => {
    const d = await drive(op({ allowedLateness: 10, evictor: CountEvictor.of(2, true) }), (e: Ev) => e.k);
    d.element(ev("a", 1), 1);
    d.element(ev("a", 2), 2);
    d.element(ev("a", 3), 3);
    expect(d.watermark(9)).toEqual([{ value: [1, 2, 3], ts: 9 }]);
    expect(d.element(ev("a", 4), 4)).toEqual([{ value: [2, 3, 4], ts: 9 }]);
    d.watermark(100);
    expect(d.harness.numKeyedStateEntries()).toBe(0);
  });

  it("works with merging windows", async () => {
    const d = await drive(op({ assigner: EventTimeSessionWindows.withGap(5), evictor: CountEvictor.of(2) }), (e: Ev) => e.k);
    d.element(ev("a", 1), 0);
    d.element(ev("a", 2), 10);
    d.element(ev("a", 3), 5);
    const fired = d.watermark(100);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.ts).toBe(14);
    expect(fired[0]!.value).toHaveLength(2);
  });
});

describe("sliding count windows against a model", () => {
  it("countWindow(size, slide) on 200 random inputs", async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = mulberry32(seed * 65537);
      const size = 1 + Math.floor(rng() * 5);
      const slide = 1 + Math.floor(rng() * 5);
      const d = await drive(
        op({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(slide), evictor: CountEvictor.of(size) }),
        (e: Ev) => e.k,
      );
      // Model: every `slide` elements of a key, emit its last `size` elements.
      const seen = new Map<string, number[]>();
      for (let i = 0; i < 60; i++) {
        const k = `k${Math.floor(rng() * 3)}`;
        const list = [...(seen.get(k) ?? []), i];
        seen.set(k, list);
        const expected = list.length % slide === 0 ? [{ value: list.slice(-size), ts: Number.POSITIVE_INFINITY }] : [];
        expect(d.element(ev(k, i), i), `seed ${seed} element ${i}`).toEqual(expected);
      }
    }
  });
});
