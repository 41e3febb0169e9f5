/**
 * map, filter and flatMap as operators. Records keep their timestamps.
 */
import type { OperatorContext, Output, StreamOperator } from "../../runtime/operator.ts";
import { type Collector, type FilterFunction, type FlatMapFunction, type MapFunction, type RichFunction, copyForSubtask } from "../functions.ts";
import { runtimeContextOf } from "./runtime-context.ts";

/** Shared lifecycle: open/close of a rich function object. */
abstract class UdfOperator<IN, OUT> implements StreamOperator<IN, OUT> {
  protected output!: Output<OUT>;
  protected context!: OperatorContext<OUT>;
  constructor(private readonly udf: unknown) {}
  setup(context: OperatorContext<OUT>): void {
    this.context = context;
    this.output = context.output;
  }
  async open(): Promise<void> {
    if (typeof this.udf === "object" && this.udf !== null) await (this.udf as RichFunction).open?.(runtimeContextOf(this.context as OperatorContext<unknown>));
  }
  async close(): Promise<void> {
    if (typeof this.udf === "object" && this.udf !== null) await (this.udf as RichFunction).close?.();
  }
  abstract processElement(value: IN, timestamp: number): void;
}

/** Applies a map function. */
export class MapOperator<IN, OUT> extends UdfOperator<IN, OUT> {
  private readonly fn: (value: IN) => OUT;
  constructor(udf: MapFunction<IN, OUT>) {
    const fn = copyForSubtask(udf);
    super(fn);
    this.fn = typeof fn === "function" ? fn : (v) => fn.map(v);
  }
  processElement(value: IN, timestamp: number): void {
    this.output.collect(this.fn(value), timestamp);
  }
}

/** Keeps records for which the predicate holds. */
export class FilterOperator<T> extends UdfOperator<T, T> {
  private readonly fn: (value: T) => boolean;
  constructor(udf: FilterFunction<T>) {
    const fn = copyForSubtask(udf);
    super(fn);
    this.fn = typeof fn === "function" ? fn : (v) => fn.filter(v);
  }
  processElement(value: T, timestamp: number): void {
    if (this.fn(value)) this.output.collect(value, timestamp);
  }
}

/** Emits zero or more records per input, through the collector or a returned iterable. */
export class FlatMapOperator<IN, OUT> extends UdfOperator<IN, OUT> {
  private readonly fn: (value: IN, out: Collector<OUT>) => void | Iterable<OUT>;
  private timestamp = Number.NaN;
  private readonly collector: Collector<OUT> = { collect: (v) => this.output.collect(v, this.timestamp) };
  constructor(udf: FlatMapFunction<IN, OUT>) {
    const fn = copyForSubtask(udf);
    super(fn);
    this.fn = typeof fn === "function" ? fn : (v, out) => fn.flatMap(v, out);
  }
  processElement(value: IN, timestamp: number): void {
    this.timestamp = timestamp;
    const result = this.fn(value, this.collector);
    if (result !== undefined && result !== null) for (const v of result) this.output.collect(v, timestamp);
  }
}
