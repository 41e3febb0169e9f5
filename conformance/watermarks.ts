/**
 * The watermark strategies of the scenarios. One emits after every event, so that which elements
 * are late does not depend on when periodic watermarks happen to fire: scenarios about lateness
 * and timers use it and simulate the same watermark in their expected output. The other is
 * Flink's bounded out-of-orderness, for inputs whose disorder stays below the bound.
 */
import { type KeyedStream, type StreamExecutionEnvironment, WatermarkStrategy } from "../core/index.ts";
import type { TimedEvent } from "./scenario.ts";

/** Periodic watermarks `bound` ms behind the largest `ts` seen (Flink's forBoundedOutOfOrderness). */
export function boundedWatermarks<T extends { ts: number }>(bound: number) {
  return WatermarkStrategy.forBoundedOutOfOrderness<T>(bound).withTimestampAssigner((e) => e.ts);
}

/** `events` in order from one source, timestamped by `ts` with {@link boundedWatermarks}, keyed by `key`. */
export function keyedTimedEvents(env: StreamExecutionEnvironment, events: TimedEvent[], bound: number): KeyedStream<TimedEvent, string> {
  return env
    .fromCollection(events)
    .assignTimestampsAndWatermarks(boundedWatermarks<TimedEvent>(bound))
    .keyBy((e) => e.key);
}

/** Watermark after each event: the largest timestamp seen so far minus `bound` minus 1 (Flink's formula). */
export function perEventWatermarks<T extends { ts: number }>(bound: number) {
  return WatermarkStrategy.forGenerator<T>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_event, timestamp, output) {
        max = Math.max(max, timestamp);
        output.emitWatermark(max - bound - 1);
      },
      onPeriodicEmit() {},
    };
  }).withTimestampAssigner((e) => e.ts);
}

/** The watermark {@link perEventWatermarks} has emitted after the first `i + 1` timestamps. */
export function watermarkAfter(timestamps: readonly number[], bound: number): number[] {
  let max = Number.NEGATIVE_INFINITY;
  return timestamps.map((ts) => {
    max = Math.max(max, ts);
    return max - bound - 1;
  });
}
