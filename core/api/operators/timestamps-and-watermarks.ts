/**
 * `assignTimestampsAndWatermarks` in the middle of a pipeline (Flink's
 * TimestampsAndWatermarksOperator): re-assigns timestamps, generates watermarks after each
 * element and periodically, and swallows upstream watermarks except the final one.
 */
import type { OperatorContext, Output, StreamOperator } from "../../runtime/operator.ts";
import { MAX_WATERMARK } from "../../runtime/stream-element.ts";
import type { TimestampAssigner, WatermarkGenerator, WatermarkOutput } from "../../time/types.ts";
import type { WatermarkStrategy } from "../../time/watermark-strategy.ts";

/** Assigns timestamps and emits its own watermarks. */
export class TimestampsAndWatermarksOperator<T> implements StreamOperator<T, T> {
  private output!: Output<T>;
  private context!: OperatorContext<T>;
  private generator!: WatermarkGenerator<T>;
  private assigner!: TimestampAssigner<T>;
  private last = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | undefined;
  private readonly wmOutput: WatermarkOutput = {
    emitWatermark: (ts) => {
      if (ts > this.last) {
        this.last = ts;
        this.output.emitWatermark(ts);
      }
    },
    // Idleness only matters at sources, where it is propagated as a watermark status.
    markIdle: () => {},
    markActive: () => {},
  };

  constructor(private readonly strategy: WatermarkStrategy<T>, private readonly intervalMs: number) {}

  setup(context: OperatorContext<T>): void {
    this.context = context;
    this.output = context.output;
    this.generator = this.strategy.createWatermarkGenerator({ clock: context.processingTime.clock });
    this.assigner = this.strategy.createTimestampAssigner({ clock: context.processingTime.clock });
  }

  open(): void {
    if (this.intervalMs > 0) this.schedule(this.context.processingTime.clock.now() + this.intervalMs);
  }

  processElement(value: T, timestamp: number): void {
    const ts = this.assigner(value, timestamp);
    this.output.collect(value, ts);
    this.generator.onEvent(value, ts, this.wmOutput);
  }

  processWatermark(watermark: number): void {
    if (watermark === MAX_WATERMARK) this.wmOutput.emitWatermark(MAX_WATERMARK);
  }

  close(): void {
    this.cancelTimer?.();
  }

  private schedule(at: number): void {
    this.cancelTimer = this.context.processingTime.scheduleAt(at, (now) => {
      this.generator.onPeriodicEmit(this.wmOutput);
      this.schedule(Math.max(now, at) + this.intervalMs);
    });
  }
}
