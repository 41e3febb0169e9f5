/**
 * Runs a Sink's writer as the last operator of a chain. A write or flush that returns a promise
 * holds back further input until it settles; a rejected one fails the task.
 */
import type { OperatorContext, StreamOperator } from "../runtime/operator.ts";
import type { Sink, SinkWriter } from "./sink.ts";

/** The operator behind `sinkTo`, `print` and `executeAndCollect`. */
export class SinkOperator<T> implements StreamOperator<T, never> {
  pending: Promise<void> | undefined;
  private writer: SinkWriter<T> | undefined;
  private context: OperatorContext<never> | undefined;
  private failure: { error: unknown } | undefined;
  private readonly writeContext = { timestamp: Number.NaN, currentWatermark: Number.NEGATIVE_INFINITY };

  constructor(private readonly sink: Sink<T>) {}

  setup(context: OperatorContext<never>): void {
    this.context = context;
  }

  open(): void {
    const ctx = this.context!;
    this.writer = this.sink.createWriter({
      subtaskIndex: ctx.subtaskIndex,
      parallelism: ctx.parallelism,
      attemptNumber: 0,
      currentTime: () => ctx.processingTime.clock.now(),
    });
  }

  processElement(value: T, timestamp: number): void {
    if (this.failure !== undefined) throw this.failure.error;
    this.writeContext.timestamp = timestamp;
    const result = this.writer!.write(value, this.writeContext);
    if (result !== undefined) this.track(result);
  }

  /** A sink is the end of its chain: it only remembers the watermark for the writer's context. */
  processWatermark(watermark: number): void {
    this.writeContext.currentWatermark = watermark;
  }

  endInput(): void {
    const result = this.writer!.flush(true);
    if (result !== undefined) this.track(result);
  }

  prepareSnapshotPreBarrier(): void | Promise<void> {
    return this.writer!.flush(false);
  }

  async close(): Promise<void> {
    while (this.pending !== undefined) await this.pending;
    await this.writer?.close?.();
    if (this.failure !== undefined) throw this.failure.error;
  }

  private track(promise: Promise<void>): void {
    const previous = this.pending;
    const next: Promise<void> = Promise.all([previous, promise]).then(
      () => {
        if (this.pending === next) this.pending = undefined;
      },
      (error: unknown) => {
        this.failure ??= { error };
        if (this.pending === next) this.pending = undefined;
      },
    );
    this.pending = next;
  }
}
