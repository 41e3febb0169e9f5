/**
 * KeyedStream.reduce and the rolling aggregations (sum/min/max by field): per key, fold each
 * record into the value so far and emit the result (Flink's StreamGroupedReduceOperator).
 */
import type { OperatorContext, Output, StreamOperator } from "../../runtime/operator.ts";
import { ValueStateDescriptor, type ValueState } from "../../state/types.ts";

/** Folds records per key and emits every updated value. */
export class RollingReduceOperator<T> implements StreamOperator<T, T> {
  private state!: ValueState<T>;
  private output!: Output<T>;
  constructor(private readonly reduce: (a: T, b: T) => T) {}
  setup(context: OperatorContext<T>): void {
    this.output = context.output;
    this.state = context.getState(new ValueStateDescriptor<T>("_rolling-reduce"));
  }
  processElement(value: T, timestamp: number): void {
    const current = this.state.value();
    const next = current === undefined ? value : this.reduce(current, value);
    this.state.update(next);
    this.output.collect(next, timestamp);
  }
}
