/**
 * The output a source reader emits into: assigns timestamps, runs the watermark generator after
 * each record (so a watermark follows the element that produced it) and on a period, and keeps
 * one generator per split when the reader asks for split outputs (Flink's per-partition
 * watermarks), combining them by minimum over the splits that are not idle.
 */
import type { ReaderOutput } from "../connectors/source.ts";
import type { Clock, TimestampAssigner, WatermarkGenerator, WatermarkOutput } from "../time/types.ts";
import type { WatermarkStrategy } from "../time/watermark-strategy.ts";
import type { RecordTarget } from "./record-writer.ts";
import type { Output, OutputTag } from "./operator.ts";
import { MIN_WATERMARK } from "./stream-element.ts";

interface SplitState {
  generator: WatermarkGenerator<unknown>;
  watermark: number;
  idle: boolean;
  output: WatermarkOutput;
  readerOutput: ReaderOutput<unknown>;
}

/** Emits records and watermarks of one source subtask into its operator chain. */
export class SourceOutput<T> implements ReaderOutput<T> {
  private readonly assigner: TimestampAssigner<T>;
  private readonly generator: WatermarkGenerator<T>;
  private readonly splits = new Map<string, SplitState>();
  private lastEmitted = MIN_WATERMARK;
  private idle = false;
  private readonly mainOutput: WatermarkOutput;
  recordsOut = 0;

  constructor(
    private readonly strategy: WatermarkStrategy<T>,
    private readonly clock: Clock,
    private readonly downstream: RecordTarget & Pick<Output<unknown>, "collectSide"> & { flush?(): void },
    /** Tells downstream channels that this source is idle (true) or active again. */
    private readonly emitStatus: (idle: boolean) => void,
  ) {
    this.assigner = strategy.createTimestampAssigner({ clock });
    this.generator = strategy.createWatermarkGenerator({ clock });
    this.mainOutput = {
      emitWatermark: (ts) => this.emitCombined(ts),
      markIdle: () => this.setIdle(true),
      markActive: () => this.setIdle(false),
    };
  }

  get currentWatermark(): number {
    return this.lastEmitted;
  }

  collect(value: T, recordTimestamp?: number): void {
    const ts = this.assigner(value, recordTimestamp ?? Number.NaN);
    this.recordsOut++;
    if (this.idle) this.setIdle(false);
    this.downstream.processElement(value, ts, 0);
    this.generator.onEvent(value, ts, this.mainOutput);
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp?: number): void {
    this.downstream.collectSide(tag, value, timestamp ?? Number.NaN);
  }

  createOutputForSplit(splitId: string): ReaderOutput<T> {
    const existing = this.splits.get(splitId);
    if (existing !== undefined) return existing.readerOutput as ReaderOutput<T>;
    const state: SplitState = {
      generator: this.strategy.createWatermarkGenerator({ clock: this.clock }) as WatermarkGenerator<unknown>,
      watermark: MIN_WATERMARK,
      idle: false,
      output: undefined as unknown as WatermarkOutput,
      readerOutput: undefined as unknown as ReaderOutput<unknown>,
    };
    state.output = {
      emitWatermark: (ts) => {
        if (ts > state.watermark) state.watermark = ts;
        state.idle = false;
        this.combineSplits();
      },
      markIdle: () => {
        state.idle = true;
        this.combineSplits();
      },
      markActive: () => {
        state.idle = false;
        this.combineSplits();
      },
    };
    state.readerOutput = {
      collect: (value: unknown, recordTimestamp?: number) => {
        const ts = this.assigner(value as T, recordTimestamp ?? Number.NaN);
        this.recordsOut++;
        if (state.idle) {
          state.idle = false;
        }
        if (this.idle) this.setIdle(false);
        this.downstream.processElement(value, ts, 0);
        state.generator.onEvent(value, ts, state.output);
      },
      markIdle: () => state.output.markIdle(),
      collectSide: (tag, value, timestamp) => this.collectSide(tag, value, timestamp),
    };
    this.splits.set(splitId, state);
    return state.readerOutput as ReaderOutput<T>;
  }

  releaseOutputForSplit(splitId: string): void {
    this.splits.delete(splitId);
    this.combineSplits();
  }

  markIdle(): void {
    this.setIdle(true);
  }

  /** Called every autoWatermarkInterval of processing time. */
  onPeriodicEmit(): void {
    if (this.splits.size === 0) {
      this.generator.onPeriodicEmit(this.mainOutput);
      return;
    }
    for (const s of this.splits.values()) s.generator.onPeriodicEmit(s.output);
  }

  /** Hands records gathered downstream for a batch-taking operator on (see ChainOutput.flush). */
  flush(): void {
    this.downstream.flush?.();
  }

  /** Emits a watermark directly (the final watermark of a bounded source). */
  emitWatermark(ts: number): void {
    this.emitCombined(ts);
  }

  private combineSplits(): void {
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const s of this.splits.values()) {
      if (s.idle) continue;
      active++;
      if (s.watermark < min) min = s.watermark;
    }
    if (active === 0) {
      if (this.splits.size > 0) this.setIdle(true);
      return;
    }
    if (min > MIN_WATERMARK) this.emitCombined(min);
  }

  private emitCombined(ts: number): void {
    if (ts <= this.lastEmitted) return;
    if (this.idle) this.setIdle(false);
    this.lastEmitted = ts;
    this.downstream.processWatermark(ts);
  }

  private setIdle(idle: boolean): void {
    if (this.idle === idle) return;
    this.idle = idle;
    this.emitStatus(idle);
  }
}
