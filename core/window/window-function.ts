/**
 * What a window operator computes when a window fires: a reduce, an aggregate, or a process
 * function over all elements, optionally followed by a process function that sees the window.
 */
import type { OutputTag } from "../runtime/operator.ts";
import type { AggregateFunction, Key, ReduceFunction, StateDescriptor } from "../state/types.ts";
import type { Window } from "./time-window.ts";

/** Receives a function's results (the same Collector the DataStream API uses). */
export type { Collector } from "../api/functions.ts";
import type { Collector } from "../api/functions.ts";

/** What a window process function may ask about the firing window (Flink's ProcessWindowFunction.Context). */
export interface WindowContext<W extends Window = Window> {
  /** The window that fires (a TimeWindow has `start` and `end`). */
  readonly window: W;
  readonly currentWatermark: number;
  readonly currentProcessingTime: number;
  /** State of the current key scoped to this window; cleared with the window. Not for merging windows. */
  windowState<S>(descriptor: StateDescriptor<S>): S;
  /** State of the current key shared by all its windows. */
  globalState<S>(descriptor: StateDescriptor<S>): S;
  /** Emits to a side output, with the window's max timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Called when a window fires with everything in it; `out.collect` emits with the window's
 * max timestamp (Flink's ProcessWindowFunction).
 */
export type WindowProcessFn<IN, OUT, W extends Window = Window> = (
  key: Key,
  ctx: WindowContext<W>,
  elements: Iterable<IN>,
  out: Collector<OUT>,
) => void;

/** The function of a window operator. `reduce` and `aggregate` fold as elements arrive. */
export type WindowFunctionSpec<IN, OUT, W extends Window = Window> =
  | { readonly kind: "reduce"; readonly reduce: ReduceFunction<IN>; readonly process?: WindowProcessFn<IN, OUT, W> }
  | {
      readonly kind: "aggregate";
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      readonly aggregate: AggregateFunction<IN, any, any>;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      readonly process?: WindowProcessFn<any, OUT, W>;
    }
  | { readonly kind: "process"; readonly process: WindowProcessFn<IN, OUT, W> };
