/**
 * Wraps one StreamOperator with what its contract promises: the operator context, keyed state
 * and timers on keyed streams, operator state, key selection per record, watermark handling,
 * snapshots and restore, and errors that name the operator. Tasks chain hosts; tests drive one
 * through the OperatorTestHarness.
 */
import { EddyError, describeError } from "../errors.ts";
import type { OperatorSnapshot } from "../checkpoint/types.ts";
import { HeapKeyedStateBackend } from "../state/heap-keyed-state-backend.ts";
import { checkParallelism, invalidKeyError, isValidKey, keyGroupRangeForSubtask } from "../state/key-groups.ts";
import { HeapOperatorStateStore } from "../state/operator-state-store.ts";
import type { Key, KeyedStateBackend, StateDescriptor } from "../state/types.ts";
import { HeapInternalTimerService } from "../time/timer-service.ts";
import type { ProcessingTimeService, Timer } from "../time/types.ts";
import type { KeyedOperatorContext, OperatorContext, Output, StreamOperator } from "./operator.ts";
import { MAX_WATERMARK, type RecordBatch } from "./stream-element.ts";
import { BatchRecordFailure } from "./batch-record-failure.ts";
import { ChainOutput } from "./chain-output.ts";
import type { UserCodeWatch } from "./user-code-watch.ts";
import type { ResultOutbox } from "../connectors/sink.ts";

/** Extracts the key of a record; must return a string, number (not NaN), bigint or boolean. */
export type KeySelector<T = any> = (value: T) => Key;

/** Options for {@link OperatorHost}. */
export interface OperatorHostOptions<IN, OUT> {
  operator: StreamOperator<IN, OUT>;
  name: string;
  id: string;
  subtaskIndex: number;
  parallelism: number;
  maxParallelism: number;
  /** Downstream: the next host in the chain, or a channel writer. */
  output: Output<OUT>;
  processingTime: ProcessingTimeService;
  /** The job's checkpoint interval, when checkpointing is enabled. */
  checkpointIntervalMs?: number;
  /** Restarts before this run (default 0). */
  attemptNumber?: number;
  /** Marks calls into user code for a CPU budget (worker TaskManagers). */
  watch?: UserCodeWatch;
  /** Where result sinks send their records (a TaskManager in another isolate). */
  results?: ResultOutbox;
  /** The single chained, non-keyed operator this one feeds, if that is its only output. */
  nextInChain?: StreamOperator<OUT, unknown>;
  /** Present => keyed operator: one selector per input (the second defaults to the first). */
  keySelectors?: readonly [KeySelector, KeySelector?];
}

/** Runs one operator; see the module comment. */
export class OperatorHost<IN, OUT> {
  readonly operator: StreamOperator<IN, OUT>;
  readonly name: string;
  readonly id: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly output: Output<OUT>;
  readonly processingTime: ProcessingTimeService;
  readonly context: OperatorContext<OUT>;
  private readonly backend: HeapKeyedStateBackend | undefined;
  private readonly timers: HeapInternalTimerService | undefined;
  private readonly operatorState = new HeapOperatorStateStore();
  private readonly selector0: KeySelector | undefined;
  private readonly selector1: KeySelector | undefined;
  private watermark = Number.NEGATIVE_INFINITY;
  /** Whether batches go to the operator's processBatch (non-keyed operators that define it). */
  readonly takesBatches: boolean;
  /** The output, when it gathers records for a batch-taking operator after this one. */
  private readonly gathering: ChainOutput<OUT> | undefined;

  constructor(options: OperatorHostOptions<IN, OUT>) {
    const { operator, name, subtaskIndex, parallelism, maxParallelism } = options;
    checkParallelism(maxParallelism, parallelism);
    this.operator = operator;
    this.name = name;
    this.id = options.id;
    this.subtaskIndex = subtaskIndex;
    this.parallelism = parallelism;
    this.maxParallelism = maxParallelism;
    this.output = options.output;
    this.processingTime = options.processingTime;

    let keyed: KeyedOperatorContext | undefined;
    if (options.keySelectors !== undefined) {
      this.selector0 = options.keySelectors[0];
      this.selector1 = options.keySelectors[1] ?? options.keySelectors[0];
      const keyGroupRange = keyGroupRangeForSubtask(maxParallelism, parallelism, subtaskIndex);
      const backend = new HeapKeyedStateBackend({
        maxParallelism,
        keyGroupRange,
        clock: options.processingTime.clock,
        operator: name,
      });
      const timers = new HeapInternalTimerService({
        keyContext: backend,
        triggerable: {
          onEventTime: (timer: Timer) => {
            if (operator.onEventTime === undefined) return;
            try {
              operator.onEventTime(timer);
            } catch (error) {
              throw this.wrap(error, "onEventTime");
            }
          },
          onProcessingTime: (timer: Timer) => {
            if (operator.onProcessingTime === undefined) return;
            try {
              operator.onProcessingTime(timer);
            } catch (error) {
              throw this.wrap(error, "onProcessingTime");
            }
            // Timers fire between steps: their output goes on before another timer's.
            this.flushOutput();
          },
        },
        processingTime: options.processingTime,
        maxParallelism,
        keyGroupRange,
        operator: name,
      });
      this.backend = backend;
      this.timers = timers;
      keyed = { backend, timers, getCurrentKey: () => backend.currentKey };
    }

    this.takesBatches = operator.processBatch !== undefined && this.backend === undefined;
    this.gathering = options.output instanceof ChainOutput && options.output.gathers ? options.output : undefined;
    const backend = this.backend;
    this.context = {
      operatorName: name,
      operatorId: options.id,
      subtaskIndex,
      parallelism,
      maxParallelism,
      output: options.output,
      processingTime: options.processingTime,
      currentWatermark: () => this.watermark,
      operatorState: this.operatorState,
      keyed,
      nextInChain: options.nextInChain,
      checkpointIntervalMs: options.checkpointIntervalMs,
      attemptNumber: options.attemptNumber ?? 0,
      watch: options.watch,
      results: options.results,
      getState: <S>(descriptor: StateDescriptor<S>): S => {
        if (backend === undefined) {
          throw new EddyError(
            `[eddy] operator "${name}" asked for keyed state "${descriptor.name}" but its input is not keyed: expected keyBy() before it`,
            { code: "NOT_KEYED", domain: "user", operator: name, retryable: false },
          );
        }
        return backend.getState(descriptor);
      },
    };
  }

  /** The operator's watermark: the last one processed. */
  get currentWatermark(): number {
    return this.watermark;
  }

  /** Forwards the operator's pending work: feed no input until it settles. */
  get pending(): Promise<void> | undefined {
    return this.operator.pending;
  }

  /** Keyed state, on keyed operators. */
  get keyedBackend(): KeyedStateBackend | undefined {
    return this.backend;
  }

  /** The heap backend itself (TTL cleanup, namespaces), on keyed operators. */
  get heapBackend(): HeapKeyedStateBackend | undefined {
    return this.backend;
  }

  /** Timers, on keyed operators. */
  get timerService(): HeapInternalTimerService | undefined {
    return this.timers;
  }

  /**
   * Sets the operator up, restores state and opens it. `restored` is this operator's snapshot,
   * or the snapshots of all old subtasks when rescaling (each host keeps its key groups).
   */
  async open(restored?: OperatorSnapshot | readonly OperatorSnapshot[]): Promise<void> {
    const snapshots: readonly OperatorSnapshot[] =
      restored === undefined ? [] : isSnapshotArray(restored) ? restored : [restored];
    try {
      this.operator.setup?.(this.context);
      if (snapshots.length > 0) {
        const keyed = snapshots.flatMap((s) => (s.keyed === undefined ? [] : [s.keyed]));
        const timers = snapshots.flatMap((s) => (s.timers === undefined ? [] : [s.timers]));
        if (this.backend !== undefined) this.backend.restore(keyed);
        if (this.timers !== undefined) this.timers.restore(timers);
        // Its own watermark at unchanged parallelism; after a rescale the earliest, so that no
        // key group's time runs ahead. The final watermark of a drained job is not restored: a
        // job started from that savepoint goes on with new input (Flink warns against it).
        const mine = snapshots.find((s) => s.subtaskIndex === this.subtaskIndex && s.parallelism === this.parallelism);
        const marks = (mine !== undefined ? [mine] : snapshots).map((s) => s.watermark);
        if (marks.every((w) => w !== undefined && w !== MAX_WATERMARK)) {
          this.watermark = Math.min(...(marks as number[]));
          this.timers?.restoreWatermark(this.watermark);
        }
        this.operatorState.restore(snapshots, this.subtaskIndex, this.parallelism);
      }
      const own =
        snapshots.find((s) => s.subtaskIndex === this.subtaskIndex && s.parallelism === this.parallelism) ??
        (snapshots.length === 1 ? snapshots[0] : undefined);
      const all = snapshots.filter((s) => s.custom !== undefined).map((s) => ({ subtaskIndex: s.subtaskIndex, parallelism: s.parallelism, custom: s.custom }));
      this.operator.initializeState?.(own?.custom, snapshots.length > 0, all);
      await this.operator.open?.();
    } catch (error) {
      throw this.wrap(error, "open");
    }
  }

  /** Sets the key (keyed operators) and hands the record to the operator. `input` is 0 or 1. */
  processElement(value: IN, timestamp: number, input = 0): void {
    const backend = this.backend;
    if (backend !== undefined) {
      let key: unknown;
      try {
        key = input === 0 ? this.selector0!(value) : this.selector1!(value);
      } catch (error) {
        throw this.wrap(error, "the key selector");
      }
      if (!isValidKey(key)) throw invalidKeyError(key, this.name);
      backend.currentKey = key;
    }
    try {
      this.operator.processElement(value, timestamp, input);
    } catch (error) {
      throw this.wrap(error, "processElement");
    }
  }

  /**
   * Hands a whole batch to the operator: in one processBatch call when it takes batches, else
   * record by record (setting the key on keyed streams). What it emitted then goes on to the next
   * operator of the chain. When a record fails, what was emitted for the records before it goes on
   * too, and the error names the operator and the record.
   */
  processBatch(batch: RecordBatch<IN>, input = 0): void {
    if (this.takesBatches) {
      try {
        this.operator.processBatch!(batch, input);
      } catch (error) {
        throw this.failedInBatch(error, "processBatch", batch.values.length);
      }
    } else {
      const values = batch.values;
      const timestamps = batch.timestamps;
      const n = values.length;
      try {
        for (let i = 0; i < n; i++) this.processElement(values[i]!, timestamps[i]!, input);
      } catch (error) {
        // processElement named the operator already.
        throw this.failedInBatch(error, "processElement", n);
      }
    }
    this.flushOutput();
  }

  /** Passes on what the operator emitted before it failed, then names the operator and, when known, the record. */
  private failedInBatch(error: unknown, where: string, size: number): EddyError {
    try {
      this.flushOutput();
    } catch {
      // Downstream failing too: the first failure is the one the task reports.
    }
    if (!(error instanceof BatchRecordFailure)) return this.wrap(error, `${where} (a batch of ${size} record${size === 1 ? "" : "s"})`);
    const cause = error.cause;
    // Already named (a failure further down the chain, a key selector's): reported as it is.
    if (cause instanceof EddyError && cause.operator !== undefined) return cause;
    return this.wrap(cause, `processElement on record ${error.index + 1} of ${error.size} in its input batch`);
  }

  /** Hands what the operator emitted to a batch-taking operator after it, if it waits in the output. */
  flushOutput(): void {
    this.gathering?.flush();
  }

  /** Whether the operator buffers records between batches, or its output gathers them. */
  get buffersBatches(): boolean {
    return this.operator.finishBatch !== undefined || this.gathering !== undefined;
  }

  /** Lets a batching operator flush what it buffered (see StreamOperator.finishBatch), and its output. */
  finishBatch(): void {
    if (this.operator.finishBatch !== undefined) {
      try {
        this.operator.finishBatch();
      } catch (error) {
        throw this.wrap(error, "finishBatch");
      }
    }
    this.flushOutput();
  }

  /** Fires event-time timers up to `watermark`, then lets the operator handle or forward it. */
  processWatermark(watermark: number): void {
    // After a restore, upstream starts again below the restored watermark: event time never goes back.
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    this.timers?.advanceWatermark(watermark);
    if (this.operator.processWatermark !== undefined) {
      try {
        this.operator.processWatermark(watermark);
      } catch (error) {
        throw this.wrap(error, "processWatermark");
      }
      // An operator that holds the watermark back still passes on what its timers emitted.
      this.flushOutput();
    } else {
      this.output.emitWatermark(watermark);
    }
  }

  /** All input has ended (after the final watermark). */
  endInput(): void {
    try {
      this.operator.endInput?.();
    } catch (error) {
      throw this.wrap(error, "endInput");
    }
    this.flushOutput();
  }

  /** At a barrier, before state is copied (two-phase-commit sinks pre-commit here). */
  prepareSnapshotPreBarrier(checkpointId: number): void | Promise<void> {
    if (this.operator.prepareSnapshotPreBarrier === undefined) return;
    let result: void | Promise<void>;
    try {
      result = this.operator.prepareSnapshotPreBarrier(checkpointId);
    } catch (error) {
      throw this.wrap(error, "prepareSnapshotPreBarrier");
    }
    // What it emitted (a batching operator flushing) reaches the next operator before its snapshot.
    this.flushOutput();
    if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(this.wrap(error, "prepareSnapshotPreBarrier")));
  }

  /** Copies keyed state, timers, operator state and the operator's own snapshot. */
  snapshot(checkpointId: number, timestamp: number): OperatorSnapshot {
    let custom: unknown;
    try {
      custom = this.operator.snapshotState?.({ checkpointId, timestamp });
    } catch (error) {
      throw this.wrap(error, "snapshotState");
    }
    const snapshot: {
      -readonly [K in keyof OperatorSnapshot]: OperatorSnapshot[K];
    } = {
      operatorId: this.id,
      subtaskIndex: this.subtaskIndex,
      parallelism: this.parallelism,
      checkpointId,
      timestamp,
      operatorState: this.operatorState.snapshot(),
      watermark: this.watermark,
    };
    if (this.backend !== undefined) snapshot.keyed = this.backend.snapshot();
    if (this.timers !== undefined) snapshot.timers = this.timers.snapshot();
    if (custom !== undefined) snapshot.custom = custom;
    return snapshot;
  }

  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    if (this.operator.notifyCheckpointComplete === undefined) return;
    try {
      const result = this.operator.notifyCheckpointComplete(checkpointId);
      if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(this.wrap(error, "notifyCheckpointComplete")));
    } catch (error) {
      throw this.wrap(error, "notifyCheckpointComplete");
    }
  }

  notifyCheckpointAborted(checkpointId: number): void {
    try {
      this.operator.notifyCheckpointAborted?.(checkpointId);
    } catch (error) {
      throw this.wrap(error, "notifyCheckpointAborted");
    }
  }

  /** Cancels pending processing-time callbacks and closes the operator. */
  async close(): Promise<void> {
    this.timers?.dispose();
    try {
      await this.operator.close?.();
    } catch (error) {
      throw this.wrap(error, "close");
    }
  }

  /**
   * Errors from user code become USER_FUNCTION_FAILED errors naming the operator; Eddy errors
   * that do not name an operator yet are re-thrown with this one's name.
   */
  wrap(error: unknown, where: string): EddyError {
    if (error instanceof EddyError) {
      if (error.operator !== undefined) return error;
      return new EddyError(`${error.message} (in operator "${this.name}")`, {
        code: error.code,
        domain: error.domain,
        operator: this.name,
        retryable: error.retryable,
        cause: error,
      });
    }
    // User code may fail for reasons that pass (a service down): restarts are worth trying.
    return new EddyError(`[eddy] operator "${this.name}" failed in ${where}: ${describeError(error)}`, {
      code: "USER_FUNCTION_FAILED",
      domain: "user",
      operator: this.name,
      retryable: true,
      cause: error,
    });
  }
}

function isSnapshotArray(value: OperatorSnapshot | readonly OperatorSnapshot[]): value is readonly OperatorSnapshot[] {
  return Array.isArray(value);
}
