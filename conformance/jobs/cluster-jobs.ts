/**
 * Job builders the cluster tests run on TaskManagers in other isolates (each TaskManager imports
 * this module and builds the same job).
 */
import { type DataStream, type StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../../core/index.ts";

/** Parameters of {@link keyedWindowCounts}. */
export interface WindowCountParams {
  readonly events: number;
  readonly keys: number;
  readonly ratePerSecond?: number;
}

/** Counts events per key in 100 ms event-time windows: generator -> keyBy (crosses TaskManagers) -> window. */
export function keyedWindowCounts(env: StreamExecutionEnvironment, params: WindowCountParams): DataStream<string> {
  return env
    .fromGenerator(
      { generate: (i) => ({ key: `k${i % params.keys}`, i }), count: params.events, ...(params.ratePerSecond !== undefined ? { ratePerSecond: params.ratePerSecond } : {}) },
      WatermarkStrategy.forBoundedOutOfOrderness<{ key: string; i: number }>(0).withTimestampAssigner((e) => e.i),
      "events",
    )
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(100))
    .process<string>((key, ctx, elements, out) => {
      let n = 0;
      for (const _ of elements) n++;
      out.collect(`${key}@${ctx.window.start}=${n}`);
    });
}

/** What {@link keyedWindowCounts} emits, computed by plain loops. */
export function expectedWindowCounts(params: WindowCountParams): string[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < params.events; i++) {
    const k = `k${i % params.keys}@${Math.floor(i / 100) * 100}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}=${n}`).sort();
}
