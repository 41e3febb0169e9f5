/**
 * Drives one operator by hand, like Flink's (Keyed)OneInputStreamOperatorTestHarness: a manual
 * processing-time clock, and every record, watermark and side output collected into arrays.
 */
import type { OperatorSnapshot } from "../checkpoint/types.ts";
import { defaultMaxParallelism } from "../state/key-groups.ts";
import { type KeySelector, OperatorHost } from "../runtime/operator-host.ts";
import type { Output, OutputTag, StreamOperator } from "../runtime/operator.ts";
import { ManualClock } from "../time/clocks.ts";
import { ManualProcessingTimeService } from "../time/manual-processing-time-service.ts";

/** A collected record. `timestamp` is NaN when the record had none. */
export interface CollectedRecord<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** Everything the operator emitted, in order. */
export type HarnessEvent<T> =
  | { readonly kind: "record"; readonly value: T; readonly timestamp: number }
  | { readonly kind: "watermark"; readonly timestamp: number }
  | { readonly kind: "side"; readonly tag: string; readonly value: unknown; readonly timestamp: number };

/** Options for {@link OperatorTestHarness}. */
export interface OperatorTestHarnessOptions {
  /** Makes the operator keyed (input 0, and input 1 unless `keySelector2` is given). */
  keySelector?: KeySelector;
  keySelector2?: KeySelector;
  name?: string;
  id?: string;
  subtaskIndex?: number;
  parallelism?: number;
  /** Defaults to Flink's default for the parallelism (128 for small parallelism). */
  maxParallelism?: number;
  /** Initial processing time (default 0). */
  startTime?: number;
}

/**
 * Test harness for one operator.
 *
 * @example
 * const h = new OperatorTestHarness(new MyOperator(), { keySelector: (e: Ev) => e.user });
 * await h.open();
 * h.processElement({ user: "a" }, 1_000);
 * h.processWatermark(5_000);
 * expect(h.outputValues()).toEqual([...]);
 */
export class OperatorTestHarness<IN, OUT> {
  readonly clock: ManualClock;
  readonly processingTime: ManualProcessingTimeService;
  readonly host: OperatorHost<IN, OUT>;
  /** Records on the main output. */
  readonly output: CollectedRecord<OUT>[] = [];
  /** Watermarks forwarded downstream. */
  readonly watermarks: number[] = [];
  /** Side outputs, per tag id. */
  readonly sideOutputs = new Map<string, CollectedRecord<unknown>[]>();
  /** Records, watermarks and side outputs interleaved in emission order. */
  readonly events: HarnessEvent<OUT>[] = [];
  private readonly options: OperatorTestHarnessOptions;

  constructor(operator: StreamOperator<IN, OUT>, options: OperatorTestHarnessOptions = {}) {
    this.options = options;
    this.clock = new ManualClock(options.startTime ?? 0);
    this.processingTime = new ManualProcessingTimeService(this.clock);
    const parallelism = options.parallelism ?? 1;
    const sink: Output<OUT> = {
      collect: (value, timestamp) => {
        this.output.push({ value, timestamp });
        this.events.push({ kind: "record", value, timestamp });
      },
      collectSide: <X>(tag: OutputTag<X>, value: X, timestamp: number) => {
        let list = this.sideOutputs.get(tag.id);
        if (list === undefined) this.sideOutputs.set(tag.id, (list = []));
        list.push({ value, timestamp });
        this.events.push({ kind: "side", tag: tag.id, value, timestamp });
      },
      emitWatermark: (timestamp) => {
        this.watermarks.push(timestamp);
        this.events.push({ kind: "watermark", timestamp });
      },
    };
    this.host = new OperatorHost<IN, OUT>({
      operator,
      name: options.name ?? "operator-under-test",
      id: options.id ?? "operator-under-test",
      subtaskIndex: options.subtaskIndex ?? 0,
      parallelism,
      maxParallelism: options.maxParallelism ?? defaultMaxParallelism(parallelism),
      output: sink,
      processingTime: this.processingTime,
      keySelectors:
        options.keySelector === undefined
          ? undefined
          : [options.keySelector, options.keySelector2 ?? options.keySelector],
    });
  }

  /**
   * Builds a harness for `operator` and opens it from `snapshots` (one, or all old subtasks'
   * when rescaling), like Flink's `initializeState(snapshot)` then `open()`.
   */
  static async restore<IN, OUT>(
    operator: StreamOperator<IN, OUT>,
    snapshots: OperatorSnapshot | readonly OperatorSnapshot[],
    options: OperatorTestHarnessOptions = {},
  ): Promise<OperatorTestHarness<IN, OUT>> {
    const harness = new OperatorTestHarness(operator, options);
    await harness.open(snapshots);
    return harness;
  }

  /** Sets up, restores (when given snapshots) and opens the operator. */
  async open(restored?: OperatorSnapshot | readonly OperatorSnapshot[]): Promise<void> {
    await this.host.open(restored);
  }

  /** Feeds a record to input 0. */
  processElement(value: IN, timestamp = Number.NaN): void {
    this.host.processElement(value, timestamp, 0);
  }

  /** Feeds a record to input 1 (two-input operators). */
  processElement2(value: unknown, timestamp = Number.NaN): void {
    this.host.processElement(value as IN, timestamp, 1);
  }

  processWatermark(watermark: number): void {
    this.host.processWatermark(watermark);
  }

  /** Advances processing time to `time`, firing due processing-time timers and callbacks. */
  setProcessingTime(time: number): void {
    this.processingTime.advanceTo(time);
  }

  /** Signals the end of bounded input. */
  endInput(): void {
    this.host.endInput();
  }

  /** Takes a checkpoint: runs the pre-barrier hook, then snapshots. */
  async snapshot(checkpointId = 1, timestamp = this.clock.now()): Promise<OperatorSnapshot> {
    await this.host.prepareSnapshotPreBarrier(checkpointId);
    return this.host.snapshot(checkpointId, timestamp);
  }

  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    return this.host.notifyCheckpointComplete(checkpointId);
  }

  async close(): Promise<void> {
    await this.host.close();
  }

  /** Values on the main output, in order. */
  outputValues(): OUT[] {
    return this.output.map((r) => r.value);
  }

  /** Values sent to a side output (by tag or tag id). */
  sideOutputValues<X>(tag: OutputTag<X> | string): X[] {
    const id = typeof tag === "string" ? tag : tag.id;
    return (this.sideOutputs.get(id) ?? []).map((r) => r.value as X);
  }

  /** Forgets everything collected so far. */
  clearOutput(): void {
    this.output.length = 0;
    this.watermarks.length = 0;
    this.events.length = 0;
    this.sideOutputs.clear();
  }

  /** Number of (key, namespace) entries in keyed state (0 for non-keyed operators). */
  numKeyedStateEntries(): number {
    return this.host.keyedBackend?.size() ?? 0;
  }

  numEventTimeTimers(): number {
    return this.host.timerService?.numEventTimeTimers() ?? 0;
  }

  numProcessingTimeTimers(): number {
    return this.host.timerService?.numProcessingTimeTimers() ?? 0;
  }

  /** The options this harness was built with (to build a restored one alike). */
  get harnessOptions(): OperatorTestHarnessOptions {
    return this.options;
  }
}
