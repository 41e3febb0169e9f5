import { describe, expect, it } from "vitest";
import { OutputTag } from "../runtime/operator.ts";
import { ValueStateDescriptor, type AggregateFunction, type ValueState } from "../state/types.ts";
import {
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  PurgingTrigger,
  SlidingEventTimeWindows,
  TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  Trigger,
  WindowOperator,
  type TriggerResult,
  type Window,
  type WindowOperatorOptions,
} from "./index.ts";
import { drive } from "./window-test-support.ts";

type Ev = { k: string; v: number };
const sum = (a: Ev, b: Ev): Ev => ({ k: a.k, v: a.v + b.v });
const ev = (k: string, v = 1): Ev => ({ k, v });

function op(options: Partial<WindowOperatorOptions<Ev, unknown, any>>) {
  return new WindowOperator<Ev, unknown, any>({
    assigner: TumblingEventTimeWindows.of(10),
    function: { kind: "reduce", reduce: sum },
    name: "Window(test)",
    ...options,
  } as WindowOperatorOptions<Ev, unknown, any>);
}

const countAgg: AggregateFunction<Ev, number, number> = {
  createAccumulator: () => 0,
  add: (_v, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

describe("WindowOperator (event time)", () => {
  it("fires a tumbling window when the watermark reaches end - 1, with timestamp end - 1", async () => {
    const d = await drive(op({}), (e: Ev) => e.k);
    expect(d.element(ev("a", 1), 1)).toEqual([]);
    d.element(ev("a", 2), 9);
    d.element(ev("b", 5), 5);
    d.element(ev("a", 4), 10);
    expect(d.watermark(8)).toEqual([]);
    expect(d.watermark(9)).toEqual([
      { value: { k: "a", v: 3 }, ts: 9 },
      { value: { k: "b", v: 5 }, ts: 9 },
    ]);
    expect(d.watermarks).toEqual([8, 9]);
    expect(d.watermark(100)).toEqual([{ value: { k: "a", v: 4 }, ts: 19 }]);
    // All state and timers are gone after cleanup.
    expect(d.host.keyedBackend!.size()).toBe(0);
    expect(d.host.timerService!.numEventTimeTimers()).toBe(0);
  });

  it("drops late elements and counts them, or sends them to the late side output", async () => {
    const dropping = op({});
    const d = await drive(dropping, (e: Ev) => e.k);
    d.watermark(20);
    expect(d.element(ev("a"), 15)).toEqual([]);
    expect(dropping.numLateRecordsDropped).toBe(1);
    const late = new OutputTag<Ev>("late");
    const d2 = await drive(op({ lateDataTag: late }), (e: Ev) => e.k);
    d2.watermark(20);
    expect(d2.element(ev("a"), 19)).toEqual([{ value: ev("a"), ts: 19, tag: "late" }]);
    expect(d2.element(ev("a"), 20)).toEqual([]);
  });

  it("with allowed lateness re-fires the window at once with all its contents, until cleanup", async () => {
    const late = new OutputTag<Ev>("late");
    const d = await drive(op({ allowedLateness: 5, lateDataTag: late }), (e: Ev) => e.k);
    d.element(ev("a", 1), 3);
    expect(d.watermark(9)).toEqual([{ value: ev("a", 1), ts: 9 }]);
    expect(d.element(ev("a", 10), 4)).toEqual([{ value: ev("a", 11), ts: 9 }]);
    expect(d.watermark(13)).toEqual([]);
    expect(d.element(ev("a", 100), 0)).toEqual([{ value: ev("a", 111), ts: 9 }]);
    // cleanup time = 9 + 5 = 14: the window is gone, the element is late.
    expect(d.watermark(14)).toEqual([]);
    expect(d.element(ev("a", 1000), 5)).toEqual([{ value: ev("a", 1000), ts: 5, tag: "late" }]);
    expect(d.host.keyedBackend!.size()).toBe(0);
  });

  it("sliding windows: an element in every overlapping window", async () => {
    const d = await drive(op({ assigner: SlidingEventTimeWindows.of(10, 5) }), (e: Ev) => e.k);
    d.element(ev("a", 1), 7);
    d.element(ev("a", 2), 12);
    expect(d.watermark(30)).toEqual([
      { value: ev("a", 1), ts: 9 },
      { value: ev("a", 3), ts: 14 },
      { value: ev("a", 2), ts: 19 },
    ]);
  });

  it("aggregate, and process after reduce/aggregate, see the window", async () => {
    const d = await drive(
      op({
        function: {
          kind: "aggregate",
          aggregate: countAgg,
          process: (key, ctx, elements, out) => {
            const w = ctx.window as TimeWindow;
            out.collect({ key, start: w.start, end: w.end, n: [...elements][0], wm: ctx.currentWatermark });
          },
        },
      }),
      (e: Ev) => e.k,
    );
    d.element(ev("a"), 1);
    d.element(ev("a"), 2);
    expect(d.watermark(10)).toEqual([{ value: { key: "a", start: 0, end: 10, n: 2, wm: 10 }, ts: 9 }]);
  });

  it("process functions get all elements in arrival order, per-window and global state, and side outputs", async () => {
    const side = new OutputTag<string>("side");
    const firings = new ValueStateDescriptor<number>("firings", 0);
    const total = new ValueStateDescriptor<number>("total", 0);
    const d = await drive(
      op({
        allowedLateness: 100,
        function: {
          kind: "process",
          process: (key, ctx, elements, out) => {
            const f = ctx.windowState(firings) as ValueState<number>;
            f.update((f.value() ?? 0) + 1);
            const t = ctx.globalState(total) as ValueState<number>;
            t.update((t.value() ?? 0) + 1);
            out.collect({ key, vs: [...elements].map((e) => e.v), firing: f.value(), total: t.value() });
            ctx.output(side, `fired ${key}`);
          },
        },
      }),
      (e: Ev) => e.k,
    );
    d.element(ev("a", 3), 1);
    d.element(ev("a", 1), 2);
    d.element(ev("a", 7), 12);
    expect(d.watermark(9)).toEqual([
      { value: { key: "a", vs: [3, 1], firing: 1, total: 1 }, ts: 9 },
      { value: "fired a", ts: 9, tag: "side" },
    ]);
    expect(d.element(ev("a", 2), 0)).toEqual([
      { value: { key: "a", vs: [3, 1, 2], firing: 2, total: 2 }, ts: 9 },
      { value: "fired a", ts: 9, tag: "side" },
    ]);
    expect(d.watermark(19)[0]).toEqual({ value: { key: "a", vs: [7], firing: 1, total: 3 }, ts: 19 });
    // After cleanup of both windows only the global state is left.
    d.watermark(1000);
    expect(d.host.keyedBackend!.size()).toBe(1);
  });

  it("session windows merge when they overlap or touch, and fire once per session", async () => {
    const d = await drive(
      op({
        assigner: EventTimeSessionWindows.withGap(10),
        function: { kind: "process", process: (key, ctx, els, out) => {
          const w = ctx.window as TimeWindow;
          out.collect(`${key}[${w.start},${w.end}):${[...els].map((e) => e.v).sort((a, b) => a - b).join(",")}`);
        } },
      }),
      (e: Ev) => e.k,
    );
    d.element(ev("a", 1), 0);
    d.element(ev("a", 2), 20);
    d.element(ev("a", 3), 10); // touches [0,10) and [20,30): one session [0,30)
    d.element(ev("b", 4), 5);
    expect(d.watermark(28)).toEqual([{ value: "b[5,15):4", ts: 14 }]);
    expect(d.watermark(29)).toEqual([{ value: "a[0,30):1,2,3", ts: 29 }]);
    expect(d.host.keyedBackend!.size()).toBe(0);
    expect(d.host.timerService!.numEventTimeTimers()).toBe(0);
  });

  it("a late element can extend a live session and re-fire it within the allowed lateness", async () => {
    const d = await drive(op({ assigner: EventTimeSessionWindows.withGap(10), allowedLateness: 20 }), (e: Ev) => e.k);
    d.element(ev("a", 1), 0);
    expect(d.watermark(10)).toEqual([{ value: ev("a", 1), ts: 9 }]);
    // [5, 15) merges into [0, 15): max timestamp 14 > watermark 10, fires at the watermark.
    expect(d.element(ev("a", 2), 5)).toEqual([]);
    expect(d.watermark(14)).toEqual([{ value: ev("a", 3), ts: 14 }]);
    // [-5, 5) merges into [-5, 15) whose max timestamp is behind the watermark: fires at once.
    expect(d.element(ev("a", 4), -5)).toEqual([{ value: ev("a", 7), ts: 14 }]);
    expect(d.watermark(34)).toEqual([]);
    expect(d.host.keyedBackend!.size()).toBe(0);
  });

  it("dynamic-gap sessions take each element's gap", async () => {
    const d = await drive(op({ assigner: EventTimeSessionWindows.withDynamicGap((e: Ev) => e.v) }), (e: Ev) => e.k);
    d.element(ev("a", 10), 0); // [0, 10)
    d.element(ev("a", 2), 12); // [12, 14): separate
    d.element(ev("a", 3), 9); // [9, 12): bridges both into [0, 14)
    expect(d.watermark(100)).toEqual([{ value: ev("a", 15), ts: 13 }]);
    expect(() => EventTimeSessionWindows.withDynamicGap(() => 0).assignWindows(null, 1, { currentProcessingTime: () => 0 })).toThrow(
      /DynamicEventTimeSessionWindows: the gap extractor must return a positive number/,
    );
  });

  it("count windows on GlobalWindows with a purging count trigger", async () => {
    const d = await drive(
      op({ assigner: GlobalWindows.create(), trigger: PurgingTrigger.of(CountTrigger.of(2)) }),
      (e: Ev) => e.k,
    );
    expect(d.element(ev("a", 1), 1)).toEqual([]);
    expect(d.element(ev("a", 2), 2)).toEqual([{ value: ev("a", 3), ts: Number.POSITIVE_INFINITY }]);
    expect(d.element(ev("a", 4), 3)).toEqual([]);
    expect(d.watermark(Number.POSITIVE_INFINITY)).toEqual([]);
  });

  it("count trigger without purging fires the whole window every n elements", async () => {
    const d = await drive(op({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2) }), (e: Ev) => e.k);
    d.element(ev("a", 1), 1);
    expect(d.element(ev("a", 2), 2)).toEqual([{ value: ev("a", 3), ts: Number.POSITIVE_INFINITY }]);
    d.element(ev("a", 4), 3);
    expect(d.element(ev("a", 8), 3)).toEqual([{ value: ev("a", 15), ts: Number.POSITIVE_INFINITY }]);
  });

  it("count trigger state merges with session windows", async () => {
    const d = await drive(
      op({ assigner: EventTimeSessionWindows.withGap(10), trigger: CountTrigger.of(3) }),
      (e: Ev) => e.k,
    );
    d.element(ev("a", 1), 0);
    d.element(ev("a", 2), 20);
    // Merges both sessions (counts 1 + 1) and adds one: the third element fires.
    expect(d.element(ev("a", 4), 10)).toEqual([{ value: ev("a", 7), ts: 29 }]);
  });

  it("continuous event-time trigger merges its next firing time with sessions", async () => {
    const d = await drive(
      op({ assigner: EventTimeSessionWindows.withGap(50), trigger: ContinuousEventTimeTrigger.of(20) }),
      (e: Ev) => e.k,
    );
    d.element(ev("a", 1), 5); // [5, 55), next firing at 20
    d.element(ev("a", 2), 50); // merges into [5, 100)
    expect(d.watermark(19)).toEqual([]);
    expect(d.watermark(20)).toEqual([{ value: ev("a", 3), ts: 99 }]);
    expect(d.watermark(99)).toEqual([
      { value: ev("a", 3), ts: 99 },
      { value: ev("a", 3), ts: 99 },
      { value: ev("a", 3), ts: 99 },
      { value: ev("a", 3), ts: 99 },
    ]);
    expect(d.harness.numEventTimeTimers()).toBe(0);
  });

  it("continuous event-time trigger fires every interval and at the end", async () => {
    const d = await drive(
      op({ assigner: TumblingEventTimeWindows.of(100), trigger: ContinuousEventTimeTrigger.of(30) }),
      (e: Ev) => e.k,
    );
    d.element(ev("a", 1), 5);
    expect(d.watermark(29)).toEqual([]);
    expect(d.watermark(30)).toEqual([{ value: ev("a", 1), ts: 99 }]);
    d.element(ev("a", 2), 40);
    expect(d.watermark(60)).toEqual([{ value: ev("a", 3), ts: 99 }]);
    expect(d.watermark(200)).toEqual([
      { value: ev("a", 3), ts: 99 },
      { value: ev("a", 3), ts: 99 },
    ]);
  });

  it("needs a keyed stream and validates its options", async () => {
    expect(() => op({ allowedLateness: -1 })).toThrow(/Window\(test\): allowedLateness/);
    class NonMerging extends Trigger<unknown, Window> {
      onElement(): TriggerResult {
        return "CONTINUE";
      }
      clear(): void {}
      toString(): string {
        return "NonMerging()";
      }
    }
    expect(() => op({ assigner: EventTimeSessionWindows.withGap(5), trigger: new NonMerging() })).toThrow(
      /needs a trigger that can merge; NonMerging\(\) cannot/,
    );
    expect(() => op({ function: { kind: "reduce" } as never })).toThrow(/function must be/);
  });
});

describe("WindowOperator errors", () => {
  it("per-window state is refused with merging windows", async () => {
    const d = await drive(
      op({
        assigner: EventTimeSessionWindows.withGap(5),
        function: { kind: "process", process: (_k, ctx) => void ctx.windowState(new ValueStateDescriptor("x")) },
      }),
      (e: Ev) => e.k,
    );
    d.element(ev("a"), 1);
    expect(() => d.watermark(10)).toThrow(/per-window state is not supported with merging windows/);
  });

  it("a failing window function fails with an error naming the operator", async () => {
    const d = await drive(
      op({ function: { kind: "process", process: () => { throw new Error("boom"); } } }),
      (e: Ev) => e.k,
    );
    d.element(ev("a"), 1);
    let error: unknown;
    try {
      d.watermark(10);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "USER_FUNCTION_FAILED", operator: "Window(test)" });
    expect(String(error)).toMatch(/boom/);
  });

  it("needs a keyed stream", async () => {
    const { OperatorTestHarness } = await import("../testing/operator-test-harness.ts");
    const h = new OperatorTestHarness(op({}));
    await expect(h.open()).rejects.toThrow(/runs on a keyed stream/);
  });
});

describe("WindowOperator (processing time)", () => {
  it("tumbling processing-time windows assign by the clock and fire on it", async () => {
    const d = await drive(op({ assigner: TumblingProcessingTimeWindows.of(100) }), (e: Ev) => e.k, { startTime: 1000 });
    d.element(ev("a", 1), Number.NaN);
    d.advanceTime(1050);
    d.element(ev("a", 2), Number.NaN);
    // Watermarks do not matter.
    expect(d.watermark(1_000_000)).toEqual([]);
    expect(d.advanceTime(1098)).toEqual([]);
    expect(d.advanceTime(1099)).toEqual([{ value: ev("a", 3), ts: 1099 }]);
    d.advanceTime(1100);
    d.element(ev("a", 4), 0);
    expect(d.advanceTime(1250)).toEqual([{ value: ev("a", 4), ts: 1199 }]);
    expect(d.host.keyedBackend!.size()).toBe(0);
  });

  it("continuous processing-time trigger fires every interval of the clock", async () => {
    const d = await drive(
      op({ assigner: TumblingProcessingTimeWindows.of(100), trigger: ContinuousProcessingTimeTrigger.of(30) }),
      (e: Ev) => e.k,
      { startTime: 5 },
    );
    d.element(ev("a", 1), Number.NaN);
    expect(d.advanceTime(29)).toEqual([]);
    expect(d.advanceTime(30)).toEqual([{ value: ev("a", 1), ts: 99 }]);
    d.element(ev("a", 2), Number.NaN);
    expect(d.advanceTime(99)).toEqual([
      { value: ev("a", 3), ts: 99 },
      { value: ev("a", 3), ts: 99 },
      { value: ev("a", 3), ts: 99 },
    ]);
    expect(d.harness.numKeyedStateEntries()).toBe(0);
    expect(d.harness.numProcessingTimeTimers()).toBe(0);
  });

  it("processing-time sessions merge and fire when the clock passes the gap", async () => {
    const d = await drive(op({ assigner: ProcessingTimeSessionWindows.withGap(10) }), (e: Ev) => e.k, { startTime: 0 });
    d.element(ev("a", 1), Number.NaN);
    d.advanceTime(5);
    d.element(ev("a", 2), Number.NaN);
    expect(d.advanceTime(13)).toEqual([]);
    expect(d.advanceTime(14)).toEqual([{ value: ev("a", 3), ts: 14 }]);
  });
});
