import { describe, expect, it } from "vitest";
import { EddyError } from "../errors.ts";
import {
  ContinuousEventTimeTrigger,
  CountTrigger,
  EventTimeSessionWindows,
  EventTimeTrigger,
  GlobalWindow,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  ProcessingTimeTrigger,
  PurgingTrigger,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
} from "./index.ts";

const noContext = { currentProcessingTime: () => 0 };
const spans = (ws: readonly TimeWindow[]) => ws.map((w) => [w.start, w.end]);

describe("TimeWindow", () => {
  it("computes window starts like Flink, negative timestamps included", () => {
    expect(TimeWindow.getWindowStartWithOffset(0, 0, 10)).toBe(0);
    expect(TimeWindow.getWindowStartWithOffset(9, 0, 10)).toBe(0);
    expect(TimeWindow.getWindowStartWithOffset(10, 0, 10)).toBe(10);
    expect(TimeWindow.getWindowStartWithOffset(-1, 0, 10)).toBe(-10);
    expect(TimeWindow.getWindowStartWithOffset(-10, 0, 10)).toBe(-10);
    expect(TimeWindow.getWindowStartWithOffset(-11, 0, 10)).toBe(-20);
    expect(TimeWindow.getWindowStartWithOffset(7, 3, 10)).toBe(3);
    expect(TimeWindow.getWindowStartWithOffset(2, 3, 10)).toBe(-7);
    expect(TimeWindow.getWindowStartWithOffset(2, -3, 10)).toBe(-3);
  });

  it("has maxTimestamp end - 1, intersects when overlapping or touching, and covers", () => {
    const w = new TimeWindow(0, 10);
    expect(w.maxTimestamp()).toBe(9);
    expect(w.intersects(new TimeWindow(10, 20))).toBe(true);
    expect(w.intersects(new TimeWindow(11, 20))).toBe(false);
    expect(w.intersects(new TimeWindow(-5, 0))).toBe(true);
    expect(w.cover(new TimeWindow(5, 20))).toEqual(new TimeWindow(0, 20));
  });

  it("merges sorted groups of two or more windows", () => {
    const calls: [number[][], number[]][] = [];
    TimeWindow.mergeWindows(
      [new TimeWindow(10, 20), new TimeWindow(0, 5), new TimeWindow(5, 8), new TimeWindow(30, 40), new TimeWindow(19, 25)],
      (merged, result) => calls.push([spans(merged), [result.start, result.end]]),
    );
    expect(calls).toEqual([
      [[[0, 5], [5, 8]], [0, 8]],
      [[[10, 20], [19, 25]], [10, 25]],
    ]);
  });

  it("has one GlobalWindow that never ends", () => {
    expect(GlobalWindow.get()).toBe(GlobalWindow.get());
    expect(GlobalWindow.get().maxTimestamp()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("assigners", () => {
  it("tumbling event time: one window, offset applied, shared arrays", () => {
    const a = TumblingEventTimeWindows.of(10);
    expect(spans(a.assignWindows(null, 15, noContext))).toEqual([[10, 20]]);
    expect(spans(a.assignWindows(null, -1, noContext))).toEqual([[-10, 0]]);
    expect(a.assignWindows(null, 11, noContext)).toBe(a.assignWindows(null, 12, noContext));
    expect(spans(TumblingEventTimeWindows.of(10, 3).assignWindows(null, 2, noContext))).toEqual([[-7, 3]]);
    expect(a.isEventTime()).toBe(true);
    expect(a.getDefaultTrigger()).toBeInstanceOf(EventTimeTrigger);
    expect(a.toString()).toBe("TumblingEventTimeWindows(10)");
    expect(a.namespaceOf(new TimeWindow(10, 20))).toBe(20);
    expect(a.windowOf(20)).toEqual(new TimeWindow(10, 20));
  });

  it("sliding event time: every window holding the timestamp, latest first", () => {
    const a = SlidingEventTimeWindows.of(10, 5);
    expect(spans(a.assignWindows(null, 12, noContext))).toEqual([[10, 20], [5, 15]]);
    expect(spans(a.assignWindows(null, -3, noContext))).toEqual([[-5, 5], [-10, 0]]);
    const uneven = SlidingEventTimeWindows.of(10, 4);
    expect(spans(uneven.assignWindows(null, 9, noContext))).toEqual([[8, 18], [4, 14], [0, 10]]);
    expect(spans(uneven.assignWindows(null, 10, noContext))).toEqual([[8, 18], [4, 14]]);
    expect(a.toString()).toBe("SlidingEventTimeWindows(10, 5)");
  });

  it("sessions: [ts, ts + gap), merging", () => {
    const a = EventTimeSessionWindows.withGap(5);
    expect(spans(a.assignWindows(null, 7, noContext))).toEqual([[7, 12]]);
    expect(a.toString()).toBe("EventTimeSessionWindows(5)");
    expect(a.namespaceOf(new TimeWindow(7, 12))).toBe("7:12");
    expect(a.windowOf("-7:12")).toEqual(new TimeWindow(-7, 12));
  });

  it("processing-time assigners use the clock", () => {
    const ctx = { currentProcessingTime: () => 1234 };
    expect(spans(TumblingProcessingTimeWindows.of(100).assignWindows(null, Number.NaN, ctx))).toEqual([[1200, 1300]]);
    expect(spans(SlidingProcessingTimeWindows.of(100, 50).assignWindows(null, Number.NaN, ctx))).toEqual([
      [1200, 1300],
      [1150, 1250],
    ]);
    expect(spans(ProcessingTimeSessionWindows.withGap(10).assignWindows(null, Number.NaN, ctx))).toEqual([[1234, 1244]]);
    expect(TumblingProcessingTimeWindows.of(100).isEventTime()).toBe(false);
    expect(TumblingProcessingTimeWindows.of(100).getDefaultTrigger()).toBeInstanceOf(ProcessingTimeTrigger);
  });

  it("global windows: one window, never fires by default", () => {
    const a = GlobalWindows.create();
    expect(a.assignWindows()).toEqual([GlobalWindow.get()]);
    expect(a.toString()).toBe("GlobalWindows()");
    expect(a.getDefaultTrigger().toString()).toBe("NeverTrigger()");
  });

  it("rejects bad arguments with errors naming the assigner and argument", () => {
    const bad: [() => unknown, RegExp][] = [
      [() => TumblingEventTimeWindows.of(0), /TumblingEventTimeWindows: size/],
      [() => TumblingEventTimeWindows.of(10, 10), /TumblingEventTimeWindows: offset/],
      [() => TumblingEventTimeWindows.of(10, -10), /TumblingEventTimeWindows: offset/],
      [() => TumblingProcessingTimeWindows.of(-1), /TumblingProcessingTimeWindows: size/],
      [() => SlidingEventTimeWindows.of(10, 0), /SlidingEventTimeWindows: slide/],
      [() => SlidingEventTimeWindows.of(0, 5), /SlidingEventTimeWindows: size/],
      [() => SlidingEventTimeWindows.of(10, 5, 5), /SlidingEventTimeWindows: offset/],
      [() => SlidingProcessingTimeWindows.of(10, -5), /SlidingProcessingTimeWindows: slide/],
      [() => EventTimeSessionWindows.withGap(0), /EventTimeSessionWindows: gap/],
      [() => ProcessingTimeSessionWindows.withGap(Number.NaN), /ProcessingTimeSessionWindows: gap/],
      [() => CountTrigger.of(0), /CountTrigger: maxCount/],
      [() => ContinuousEventTimeTrigger.of(0), /ContinuousEventTimeTrigger: interval/],
    ];
    for (const [f, message] of bad) {
      expect(f).toThrow(EddyError);
      expect(f).toThrow(message);
      expect(f).toThrow(/^\[eddy\]/);
    }
  });

  it("event-time assigners reject records without timestamps", () => {
    expect(() => TumblingEventTimeWindows.of(10).assignWindows(null, Number.NaN, noContext)).toThrow(/no timestamp/);
  });

  it("triggers print like Flink's", () => {
    expect(PurgingTrigger.of(CountTrigger.of(3)).toString()).toBe("PurgingTrigger(CountTrigger(3))");
    expect(ContinuousEventTimeTrigger.of(100).toString()).toBe("ContinuousEventTimeTrigger(100)");
  });
});
