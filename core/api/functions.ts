/**
 * The functions users write: plain functions for map/filter/flatMap, objects for the process
 * functions (Flink's ProcessFunction family), with the contexts they receive.
 */
import type { OutputTag } from "../runtime/operator.ts";
import type { Key, StateDescriptor } from "../state/types.ts";

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
