/**
 * map, filter and flatMap as operators. Records keep their timestamps. Each takes whole batches
 * in one loop (processBatch) besides record by record.
 */
import type { OperatorContext, Output, StreamOperator } from "../../runtime/operator.ts";
import { BatchRecordFailure } from "../../runtime/batch-record-failure.ts";
import type { RecordBatch } from "../../runtime/stream-element.ts";
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
  processBatch(batch: RecordBatch<IN>): void {
    const { values, timestamps } = batch;
    const fn = this.fn;
    const output = this.output;
    const n = values.length;
    if (output.collectBatch === undefined) {
      let i = 0;
      try {
        for (; i < n; i++) output.collect(fn(values[i]!), timestamps[i]!);
      } catch (error) {
        throw new BatchRecordFailure(i, n, error);
      }
      return;
    }
    // Results go out as one batch with the input's timestamps: nothing is copied per record.
    const mapped: OUT[] = [];
    let i = 0;
    try {
      for (; i < n; i++) mapped.push(fn(values[i]!));
    } catch (error) {
      if (i > 0) output.collectBatch({ values: mapped, timestamps: timestamps.slice(0, i) });
      throw new BatchRecordFailure(i, n, error);
    }
    output.collectBatch({ values: mapped, timestamps });
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
  processBatch(batch: RecordBatch<T>): void {
    const { values, timestamps } = batch;
    const fn = this.fn;
    const output = this.output;
    const n = values.length;
    let i = 0;
    try {
      for (; i < n; i++) {
        const value = values[i]!;
        if (fn(value)) output.collect(value, timestamps[i]!);
      }
    } catch (error) {
      throw new BatchRecordFailure(i, n, error);
    }
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
  processBatch(batch: RecordBatch<IN>): void {
    const { values, timestamps } = batch;
    const n = values.length;
    let i = 0;
    try {
      for (; i < n; i++) this.processElement(values[i]!, timestamps[i]!);
    } catch (error) {
      throw new BatchRecordFailure(i, n, error);
    }
  }
}
