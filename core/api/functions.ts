/**
 * The functions users write: plain functions for map/filter/flatMap, objects for the process
 * functions (Flink's ProcessFunction family), with the contexts they receive.
 */
import type { UserCodeWatch } from "../runtime/user-code-watch.ts";
import type { OutputTag, StreamOperator } from "../runtime/operator.ts";
import type { AggregateFunction, Key, StateDescriptor } from "../state/types.ts";

/** Emits results (Flink's Collector). */
export interface Collector<T> {
  collect(value: T): void;
}

/** Access to state and identity from `open` (Flink's RuntimeContext). */
export interface RuntimeContext {
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Keyed state; only on keyed streams. */
  getState<S>(descriptor: StateDescriptor<S>): S;
  /** Marks calls into code of its own (WebAssembly) for the CPU budget on worker TaskManagers. */
  readonly watch?: UserCodeWatch;
}

/** Timers and clocks of a process function. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(timestamp: number): void;
  registerProcessingTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
  deleteProcessingTimeTimer(timestamp: number): void;
}

/** Context of `processElement` in a ProcessFunction. */
export interface ProcessContext {
  /** The element's timestamp, or undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
  /** Keyed state; only on keyed streams. */
  getState<S>(descriptor: StateDescriptor<S>): S;
  /** Marks calls into code of its own (WebAssembly) for the CPU budget on worker TaskManagers. */
  readonly watch?: UserCodeWatch;
}

/** Context of a keyed process function. */
export interface KeyedProcessContext<K extends Key = Key> extends ProcessContext {
  getCurrentKey(): K;
}

/** Context of `onTimer`. */
export interface OnTimerContext<K extends Key = Key> extends KeyedProcessContext<K> {
  timeDomain(): "EVENT_TIME" | "PROCESSING_TIME";
}

/** Lifecycle hooks any function object may have. */
export interface RichFunction {
  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** Flink's ProcessFunction (non-keyed). */
export interface ProcessFunction<IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
}

/** Flink's KeyedProcessFunction: keyed state and timers. */
export interface KeyedProcessFunction<K extends Key, IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** Flink's CoProcessFunction over two connected inputs. */
export interface CoProcessFunction<IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
}

/** Flink's KeyedCoProcessFunction: connected keyed inputs with shared keyed state and timers. */
export interface KeyedCoProcessFunction<K extends Key, IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** A map/filter/flatMap function written as an object with lifecycle hooks. */
export interface RichMapFunction<IN, OUT> extends RichFunction {
  map(value: IN): OUT;
}

/** A filter with lifecycle hooks. */
export interface RichFilterFunction<IN> extends RichFunction {
  filter(value: IN): boolean;
}

/** A flatMap with lifecycle hooks. */
export interface RichFlatMapFunction<IN, OUT> extends RichFunction {
  flatMap(value: IN, out: Collector<OUT>): void;
}

/** A map function or object. */
export type MapFunction<IN, OUT> = ((value: IN) => OUT) | RichMapFunction<IN, OUT>;
/** A filter function or object. */
export type FilterFunction<IN> = ((value: IN) => boolean) | RichFilterFunction<IN>;
/** A flatMap function (emit through `out`, or return an iterable) or object. */
export type FlatMapFunction<IN, OUT> = ((value: IN, out: Collector<OUT>) => void | Iterable<OUT>) | RichFlatMapFunction<IN, OUT>;

/** Counts the elements of an iterable (handy in window process functions). */
export function count(elements: Iterable<unknown>): number {
  if (Array.isArray(elements)) return elements.length;
  let n = 0;
  for (const _ of elements) n++;
  return n;
}

/**
 * Gives each parallel subtask its own copy of a function object, as Flink does by deserializing
 * one per subtask: fields set in `open` (state handles, counters) stay per subtask. Own
 * properties are copied shallowly; methods come from the prototype. Plain functions are shared.
 */
export function copyForSubtask<F>(fn: F): F {
  if (typeof fn !== "object" || fn === null) return fn;
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object | null) as object, fn) as F;
}

/** The kinds of function an {@link OperatorProvider} may stand in for. */
export type OperatorKind = "map" | "filter" | "flatMap" | "keySelector" | "timestampAssigner" | "keyedProcess";

/** What a provider's `keySelector` operator emits: each record with its key (see {@link OperatorProvider}). */
export interface KeyedRecord<T> {
  readonly key: Key;
  readonly value: T;
}

/**
 * A function that brings its own operator: the extension point through which something other
 * than a TypeScript function (a WebAssembly component, say) runs as a map, filter, flatMap,
 * key selector, timestamp assigner, keyed process function or window aggregate. The DataStream
 * API takes one wherever it takes a function of that kind, and asks it for the operator.
 *
 * `createOperator(kind)` is called once when the job is built, to check the provider can serve
 * as `kind` (it throws a clear error if not: that refuses the job), then once per parallel
 * subtask. The operator it returns receives and emits records as the function would:
 * - `map`, `filter`, `flatMap`: the same records as the TypeScript function, timestamps kept.
 * - `keySelector`: every input as a {@link KeyedRecord} `{ key, value }`, in order, timestamps
 *   kept. `keyBy(provider)` runs it before the partitioner; operators applied to the keyed
 *   stream see `value` again, under `key`.
 * - `timestampAssigner`: every input, in order, with its event time as the timestamp (NaN keeps
 *   it). `assignTimestampsAndWatermarks` runs it before the watermark generator.
 * - `keyedProcess`: runs on the keyed stream; the runtime sets the current key before
 *   `processElement` and timers, and keyed state and timers are in `context.keyed`.
 * Operators may buffer records and flush in `finishBatch` (see StreamOperator).
 *
 * @example
 * const upper: OperatorProvider = {
 *   createOperator(kind) {
 *     if (kind !== "map") throw new EddyError(`[eddy] upper is a map, not a ${kind}`, { code: "INVALID_ARGUMENT" });
 *     let out: Output<string>;
 *     return { setup: (ctx) => void (out = ctx.output), processElement: (v: string, ts) => out.collect(v.toUpperCase(), ts) };
 *   },
 * };
 * env.fromCollection(["a"]).map(upper);
 */
export interface OperatorProvider {
  createOperator(kind: OperatorKind): StreamOperator<any, any>;
  /**
   * For `window(...).aggregate(provider)`: an AggregateFunction (one per subtask) whose
   * `open` runs before the window operator opens, `close` after it closes, and `finishBatch`
   * after each input batch (so it may defer work and batch it across windows).
   */
  createAggregateFunction?(): AggregateFunction<any, any, any> & RichFunction & { finishBatch?(): void };
  /** Shown in operator names. */
  readonly name?: string;
}

/** Whether `fn` is an {@link OperatorProvider} rather than a plain function or function object. */
export function isOperatorProvider(fn: unknown): fn is OperatorProvider {
  return typeof fn === "object" && fn !== null && typeof (fn as OperatorProvider).createOperator === "function";
}
