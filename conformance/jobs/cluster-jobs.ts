/**
 * Job builders the cluster tests run on TaskManagers in other isolates (each TaskManager imports
 * this module and builds the same job).
 */
import { CollectSink, type DataStream, type StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../../core/index.ts";

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

/** {@link keyedWindowCounts} into a sink that drops its records. */
export function droppedWindowCounts(env: StreamExecutionEnvironment, params: WindowCountParams): void {
  keyedWindowCounts(env, params).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
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

/** Parameters of {@link runawayMap}. */
export interface RunawayParams {
  readonly count: number;
  /** The record (by index) whose map call never returns. */
  readonly spinAt: number;
  /** A map-operator component that loops on the value "spin"; without one, a TypeScript map loops. */
  readonly component?: Uint8Array;
}

/** Strings `v<i>`, mapped by a map that loops forever on record `spinAt`, into a sink that drops them. */
export async function runawayMap(env: StreamExecutionEnvironment, params: RunawayParams): Promise<void> {
  const values = env.fromGenerator({ generate: (i) => (i === params.spinAt ? "spin" : `v${i}`), count: params.count, ratePerSecond: 2_000 });
  let mapped: DataStream<string>;
  if (params.component !== undefined) {
    const { wasm } = await import("../../operators-wasm/index.ts");
    mapped = values.map(wasm(params.component, { name: "spin" }) as never, "Spin");
  } else {
    mapped = values.map((v: string) => {
      // A runaway user function: nothing inside the isolate can stop it.
      if (v === "spin") for (;;);
      return v;
    }, "Spin");
  }
  mapped.sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
}

/** Records the JobManager received from {@link steadyStream}, in this isolate. */
export const steadyResults: number[] = [];

/** A slow unbounded stream whose records land in {@link steadyResults} (the JobManager's isolate). */
export function steadyStream(env: StreamExecutionEnvironment): void {
  env.fromGenerator({ generate: (i) => i, ratePerSecond: 200 }).map((i) => i, "Steady").sinkTo(new CollectSink(steadyResults), "Steady results");
}

/** A map whose records cannot be structured-cloned (they hold a function), then a keyBy. */
export function unclonableRecords(env: StreamExecutionEnvironment): DataStream<string> {
  return env
    .fromCollection([1, 2, 3, 4])
    .map((i) => ({ key: i % 2, render: () => `r${i}` }), "With functions")
    .keyBy((r) => r.key)
    .map((r) => r.render(), "Render");
}
