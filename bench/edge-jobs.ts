/** Job modules the edge benchmark bundles into its Worker (`eddy bundle`). */
import type { StreamExecutionEnvironment } from "../core/index.ts";

/** `count` numbers through a hash exchange into a discarding sink: what a channel carries, and little else. */
export function exchange(env: StreamExecutionEnvironment, params: { count: number }): void {
  env
    .fromGenerator({ generate: (i) => i, count: params.count })
    .keyBy((i) => i % 64)
    .map((i) => i + 1)
    .sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
}
