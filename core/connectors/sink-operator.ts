/**
 * Runs a Sink's writer as the last operator of a chain. A write or flush that returns a promise
 * holds back further input until it settles; a rejected one fails the task.
 */
import { PendingWrites } from "./pending-writes.ts";
import type { OperatorContext, StreamOperator } from "../runtime/operator.ts";
import type { Sink, SinkWriter } from "./sink.ts";

/** The operator behind `sinkTo`, `print` and `executeAndCollect`. */
export class SinkOperator<T> implements StreamOperator<T, never> {
  private readonly writes = new PendingWrites();
  get pending(): Promise<void> | undefined {
    return this.writes.current;
  }
  private writer: SinkWriter<T> | undefined;
  private context: OperatorContext<never> | undefined;
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
      attemptNumber: ctx.attemptNumber,
      currentTime: () => ctx.processingTime.clock.now(),
      ...(ctx.results !== undefined ? { results: ctx.results } : {}),
    });
  }

  processElement(value: T, timestamp: number): void {
    this.writes.check();
    this.writeContext.timestamp = timestamp;
    const result = this.writer!.write(value, this.writeContext);
    if (result !== undefined) this.writes.track(result);
  }

  /** A sink is the end of its chain: it only remembers the watermark for the writer's context. */
  processWatermark(watermark: number): void {
    this.writeContext.currentWatermark = watermark;
  }

  endInput(): void {
    const result = this.writer!.flush(true);
    if (result !== undefined) this.writes.track(result);
  }

  /** At-least-once: everything written before the barrier is flushed before the barrier goes on. */
  async prepareSnapshotPreBarrier(): Promise<void> {
    await this.writes.drain();
    await this.writer!.flush(false);
  }

  async close(): Promise<void> {
    await this.writes.drain();
    await this.writer?.close?.();
    this.writes.check();
  }
}
