import { type KeyedProcessFunction, type StreamExecutionEnvironment, ValueStateDescriptor } from "../../core/index.ts";
import { SeededRandom } from "../random.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";
import { perEventWatermarks } from "../watermarks.ts";

interface Timeout {
  key: string;
  count: number;
  firedAt: number;
}

interface CountWithTimestamp {
  count: number;
  lastModified: number;
}

const TIMEOUT = 300;

/** Strictly increasing timestamps, so each event advances the watermark and timers fire as simulated. */
function input(): TimedEvent[] {
  const random = new SeededRandom(1_010);
  return Array.from({ length: 400 }, (_, i) => ({
    key: `k${random.int(0, 3)}`,
    ts: 1_000_000 + i * 100 + random.int(0, 99),
    v: random.int(1, 100),
  }));
}

/**
 * Flink's CountWithTimeoutFunction: count per key in ValueState, an event-time timer
 * TIMEOUT ms after each element, and an emit when a key has been quiet for TIMEOUT ms.
 */
const scenario: Scenario<Timeout> = {
  name: "keyed-process-timers",
  description: "KeyedProcessFunction with ValueState and event-time timers fires each timer once the watermark passes it",
  compare: "unordered",
  parallelism: 1,
  build(env) {
    // Parallelism 1: the watermark reaches the timers right after each element, as simulated.
    const descriptor = new ValueStateDescriptor<CountWithTimestamp>("count-with-timestamp");
    const countWithTimeout: KeyedProcessFunction<string, TimedEvent, Timeout> = {
      processElement(_e, ctx, _out) {
        const state = ctx.getState(descriptor);
        const current = state.value() ?? { count: 0, lastModified: 0 };
        const next = { count: current.count + 1, lastModified: ctx.timestamp()! };
        state.update(next);
        ctx.timerService().registerEventTimeTimer(next.lastModified + TIMEOUT);
      },
      onTimer(timestamp, ctx, out) {
        const current = ctx.getState(descriptor).value()!;
        if (timestamp === current.lastModified + TIMEOUT) {
          out.collect({ key: ctx.getCurrentKey(), count: current.count, firedAt: timestamp });
        }
      },
    };
    return env
      .fromCollection(input())
      .assignTimestampsAndWatermarks(perEventWatermarks<TimedEvent>(0))
      .keyBy((e) => e.key)
      .process(countWithTimeout)
      ;
  },
  expected() {
    const state = new Map<string, CountWithTimestamp>();
    const timers: { key: string; at: number }[] = [];
    const out: Timeout[] = [];
    const fireUpTo = (watermark: number) => {
      timers.sort((a, b) => a.at - b.at);
      while (timers.length > 0 && timers[0]!.at <= watermark) {
        const timer = timers.shift()!;
        const current = state.get(timer.key)!;
        if (timer.at === current.lastModified + TIMEOUT) out.push({ key: timer.key, count: current.count, firedAt: timer.at });
      }
    };
    for (const e of input()) {
      const current = state.get(e.key) ?? { count: 0, lastModified: 0 };
      const next = { count: current.count + 1, lastModified: e.ts };
      state.set(e.key, next);
      const at = e.ts + TIMEOUT;
      // A timer is unique per (key, timestamp).
      if (!timers.some((t) => t.key === e.key && t.at === at)) timers.push({ key: e.key, at });
      fireUpTo(e.ts - 0 - 1);
    }
    fireUpTo(Number.POSITIVE_INFINITY);
    return out;
  },
};
export default scenario;
