/**
 * A job the in-process cluster tests build on every TaskManager: keyed counts in event-time
 * windows, whose keyBy crosses TaskManagers, and its output computed by plain loops.
 */
import type { DataStream } from "../api/data-stream.ts";
import type { StreamExecutionEnvironment } from "../api/environment.ts";
import { WatermarkStrategy } from "../time/watermark-strategy.ts";
import { TumblingEventTimeWindows } from "../window/tumbling-windows.ts";

/** Parameters of {@link keyedCounts}. */
export interface KeyedCountsParams {
  readonly events: number;
  readonly keys: number;
}

/** Events `{ key: k<i % keys>, i }` at event time i, counted per key in 100 ms windows. */
export function keyedCounts(env: StreamExecutionEnvironment, params: KeyedCountsParams): DataStream<string> {
  return env
    .fromGenerator({ generate: (i) => ({ key: `k${i % params.keys}`, i }), count: params.events }, WatermarkStrategy.forMonotonousTimestamps<{ key: string; i: number }>().withTimestampAssigner((e) => e.i))
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(100))
    .process<string>((key, ctx, elements, out) => out.collect(`${key}@${ctx.window.start}=${[...elements].length}`));
}

/** What {@link keyedCounts} emits. */
export function expectedKeyedCounts(params: KeyedCountsParams): string[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < params.events; i++) {
    const window = `k${i % params.keys}@${Math.floor(i / 100) * 100}`;
    counts.set(window, (counts.get(window) ?? 0) + 1);
  }
  return [...counts].map(([w, n]) => `${w}=${n}`).sort();
}

/** Numbers into a sink whose writers refuse to open while the job's attempt number is below `failAttemptsBelow`. */
export function refusingSink(env: StreamExecutionEnvironment, params: { events: number; failAttemptsBelow: number }): void {
  env.fromGenerator({ generate: (i) => i, count: params.events }).sinkTo({
    createWriter: (context) => {
      if (context.attemptNumber < params.failAttemptsBelow) throw new Error(`the sink refuses attempt ${context.attemptNumber}`);
      return { write: () => {}, flush: () => {} };
    },
  });
}
