/**
 * WindowedStream: `keyBy(...).window(assigner)` then trigger, allowedLateness,
 * sideOutputLateData, and one of reduce, aggregate or process.
 */
import { checkArgument } from "../errors.ts";
import type { OutputTag } from "../runtime/operator.ts";
import type { AggregateFunction, Key } from "../state/types.ts";
import type { Window } from "../window/time-window.ts";
import type { Trigger } from "../window/trigger.ts";
import type { Evictor } from "../window/evictors.ts";
import type { WindowAssigner } from "../window/window-assigner.ts";
import type { WindowFunctionSpec, WindowProcessFn } from "../window/window-function.ts";
import { createWindowOperator } from "../window/window-operator.ts";
import type { DataStream, KeyedStream } from "./data-stream.ts";
import { type OperatorProvider, type RichFunction, isOperatorProvider } from "./functions.ts";
import { withFunctionLifecycle } from "./operators/provided-operators.ts";

/** A keyed stream cut into windows, waiting for its window function. */
export class WindowedStream<T, K extends Key, W extends Window> {
  private triggerValue: Trigger<T, W> | undefined;
  private evictorValue: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;
  private parallelism: number | undefined;

  /** @internal */
  constructor(readonly input: KeyedStream<T, K>, readonly assigner: WindowAssigner<T, W>) {}

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<T, W>): this {
    checkArgument(trigger !== null && typeof trigger === "object" && typeof trigger.onElement === "function", "[eddy] trigger() needs a Trigger such as CountTrigger.of(100)");
    this.triggerValue = trigger;
    return this;
  }

  /** Removes elements from a window before (or after) its function runs (Flink's evictors). */
  evictor(evictor: Evictor<T, W>): this {
    checkArgument(evictor !== null && typeof evictor === "object" && typeof evictor.evictBefore === "function", "[eddy] evictor() needs an Evictor such as CountEvictor.of(100)");
    this.evictorValue = evictor;
    return this;
  }

  /** Event time: elements up to `ms` behind a window's end still update and re-fire it. */
  allowedLateness(ms: number): this {
    checkArgument(Number.isFinite(ms) && ms >= 0, `[eddy] allowedLateness must be a finite number >= 0 ms, got ${ms}`);
    this.lateness = ms;
    return this;
  }

  /** Elements too late for all their windows go to `tag` instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag;
    return this;
  }

  /** Folds each window's elements with `reduce`; optionally post-processes the result with the window. */
  reduce<R = T>(reduce: (a: T, b: T) => T, process?: WindowProcessFn<T, R, W>): DataStream<R> {
    checkArgument(typeof reduce === "function", "[eddy] WindowedStream.reduce needs a function (a, b) => value");
    return this.build<R>({ kind: "reduce", reduce, process } as WindowFunctionSpec<T, R, W>, "reduce");
  }

  /** Aggregates incrementally with an AggregateFunction; optionally post-processes with the window. */
  aggregate<ACC, V, R = V>(aggregate: AggregateFunction<T, ACC, V> | OperatorProvider, process?: WindowProcessFn<V, R, W>): DataStream<R> {
    if (isOperatorProvider(aggregate)) {
      const provider = aggregate;
      checkArgument(typeof provider.createAggregateFunction === "function", `[eddy] WindowedStream.aggregate: ${provider.name ?? "the OperatorProvider"} cannot serve as an AggregateFunction (it has no createAggregateFunction)`);
      provider.createAggregateFunction!();
      return this.build<R>(() => {
        const fn = provider.createAggregateFunction!();
        return { spec: { kind: "aggregate", aggregate: fn, process } as WindowFunctionSpec<T, R, W>, lifecycle: fn };
      }, `aggregate ${provider.name ?? ""}`.trim());
    }
    checkArgument(
      aggregate !== null && typeof aggregate === "object" && ["createAccumulator", "add", "getResult", "merge"].every((m) => typeof (aggregate as unknown as Record<string, unknown>)[m] === "function"),
      "[eddy] WindowedStream.aggregate needs an AggregateFunction with createAccumulator, add, getResult and merge",
    );
    return this.build<R>({ kind: "aggregate", aggregate: aggregate as AggregateFunction<T, ACC, V>, process } as WindowFunctionSpec<T, R, W>, "aggregate");
  }

  /** Calls `(key, ctx, elements, out)` with all of a window's elements when it fires. */
  process<R>(process: WindowProcessFn<T, R, W>): DataStream<R> {
    checkArgument(typeof process === "function", "[eddy] WindowedStream.process needs a function (key, ctx, elements, out) => void");
    return this.build<R>({ kind: "process", process }, "process");
  }

  /** Same as {@link process} (Flink's apply). */
  apply<R>(fn: WindowProcessFn<T, R, W>): DataStream<R> {
    return this.process(fn);
  }

  /** Sum of a numeric field per window (other fields from the window's first element). */
  sum(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => ({ ...a, [field]: (a[field] as number) + (b[field] as number) }));
  }

  /** Minimum of a field per window. */
  min(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => (b[field] < a[field] ? { ...a, [field]: b[field] } : a));
  }

  /** Maximum of a field per window. */
  max(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => (b[field] > a[field] ? { ...a, [field]: b[field] } : a));
  }

  /** @internal windowAll runs with parallelism 1. */
  setParallelismOnBuild(parallelism: number): this {
    this.parallelism = parallelism;
    return this;
  }

  /** `fn` is the window function, or (for provided functions) a factory run once per subtask. */
  private build<R>(fn: WindowFunctionSpec<T, R, W> | (() => { spec: WindowFunctionSpec<T, R, W>; lifecycle: RichFunction & { finishBatch?(): void } }), kind: string): DataStream<R> {
    const trigger = this.triggerValue ?? this.assigner.getDefaultTrigger();
    const name = `Window(${String(this.assigner)}, ${trigger.constructor.name}, ${kind})`;
    const assigner = this.assigner;
    const lateness = this.lateness;
    const lateTag = this.lateTag;
    const triggerValue = this.triggerValue;
    const evictorOption = this.evictorValue !== undefined ? { evictor: this.evictorValue } : {};
    return this.input.transform<R>(
      name,
      () => {
        if (typeof fn !== "function") return createWindowOperator<T, R, W>({ assigner, trigger: triggerValue, allowedLateness: lateness, lateDataTag: lateTag, function: fn, name, ...evictorOption });
        const { spec, lifecycle } = fn();
        return withFunctionLifecycle(createWindowOperator<T, R, W>({ assigner, trigger: triggerValue, allowedLateness: lateness, lateDataTag: lateTag, function: spec, name, ...evictorOption }), lifecycle);
      },
      { parallelism: this.parallelism },
    );
  }
}
