/**
 * The operator contract: one required method, `processElement`, and hooks that default to
 * what most operators want (Arroyo's ArrowOperator, Flink's StreamOperator). Operators that gain
 * from seeing a whole input batch at once add `processBatch`.
 */
import type { InternalTimerService, ProcessingTimeService, Timer } from "../time/types.ts";
import type { Key, KeyedStateBackend, StateDescriptor } from "../state/types.ts";
import type { UserCodeWatch } from "./user-code-watch.ts";
import type { ResultOutbox } from "../connectors/sink.ts";
import type { RecordBatch } from "./stream-element.ts";

/** Names a side output (Flink's OutputTag). */
export class OutputTag<T> {
  /** Phantom field tying the tag to its element type; never set. */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== "string" || id === "") {
      throw new TypeError("[eddy] OutputTag needs a non-empty id");
    }
  }
}

/** Where an operator emits. Timestamps are ms; NaN means "no timestamp". */
export interface Output<T> {
  collect(value: T, timestamp: number): void;
  /**
   * Emits a whole batch, as `collect` for each record in order would; the caller may reuse the
   * arrays once it returns. Outputs that offer it hand a batch to a next operator that takes
   * batches in one call (operators with `processBatch` use it when present).
   */
  collectBatch?(batch: RecordBatch<T>): void;
  /** Emits to a side output; records for tags nobody consumes are dropped. */
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
  emitWatermark(timestamp: number): void;
}

/** Operator state that is not keyed: a list per operator, redistributed round-robin on rescale. */
export interface OperatorStateStore {
  getListState<T>(name: string): { get(): T[]; update(values: T[]): void; add(value: T): void; clear(): void };
}

/** The keyed part of an operator's context; present when the operator runs on a keyed stream. */
export interface KeyedOperatorContext {
  readonly backend: KeyedStateBackend;
  readonly timers: InternalTimerService;
  getCurrentKey(): Key;
}

/** Everything the runtime hands an operator at setup. */
export interface OperatorContext<OUT> {
  /** Display name, e.g. `Window(TumblingEventTimeWindows(60000), count)`. */
  readonly operatorName: string;
  /** Stable id (from `uid()` or generated from the graph position). */
  readonly operatorId: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly output: Output<OUT>;
  readonly processingTime: ProcessingTimeService;
  currentWatermark(): number;
  readonly operatorState: OperatorStateStore;
  /** Present on keyed streams only. */
  readonly keyed: KeyedOperatorContext | undefined;
  /**
   * The operator this one feeds directly when its only output is one chained, non-keyed
   * operator (no side outputs, no channel): operators of the same family may hand it whole
   * batches in their own format instead of records. Undefined otherwise.
   */
  readonly nextInChain: StreamOperator<OUT, unknown> | undefined;
  /** The job's checkpoint interval in ms, when checkpointing is enabled (transactional sinks check timeouts against it). */
  readonly checkpointIntervalMs: number | undefined;
  /** How many times the job has been restarted before this run (0 for the first; Flink's attempt number). */
  readonly attemptNumber: number;
  /**
   * Marks calls into user code against a CPU budget when the task runs on a worker TaskManager
   * (undefined in one isolate). Operators that call out to code of their own (WebAssembly) mark
   * each call: `watch?.enter(what)` before, `watch?.exit()` after.
   */
  readonly watch: UserCodeWatch | undefined;
  /** On a TaskManager in another isolate than the JobManager: where result sinks send their records. */
  readonly results: ResultOutbox | undefined;
  /** Shortcut for `keyed.backend.getState(descriptor)`; throws a clear error on a non-keyed stream. */
  getState<S>(descriptor: StateDescriptor<S>): S;
}

/** One old subtask's {@link StreamOperator.snapshotState} result, handed back on restore. */
export interface RestoredCustomState {
  readonly subtaskIndex: number;
  /** The parallelism the snapshot was taken at. */
  readonly parallelism: number;
  readonly custom: unknown;
}

/** What an operator may attach to a checkpoint besides keyed and operator state. */
export interface SnapshotContext {
  readonly checkpointId: number;
  readonly timestamp: number;
}

/**
 * A stream operator. The runtime calls, in order: `setup`, `open`, then `processElement` (or
 * `processBatch`) / `processWatermark` / timers, then `endInput` on bounded input, then `close`.
 *
 * Keyed operators: the runtime sets the current key before `processElement` and before each
 * timer callback. Watermarks: the runtime first fires event-time timers up to the watermark,
 * then calls `processWatermark`, whose default forwards the watermark downstream.
 */
export interface StreamOperator<IN, OUT> {
  setup?(context: OperatorContext<OUT>): void;
  open?(): void | Promise<void>;
  /** `input` is 0 for one-input operators, 0 or 1 for two-input ones (connect, joins). */
  processElement(value: IN, timestamp: number, input: number): void;
  /**
   * One call per input batch, in place of one `processElement` per record; operators without it
   * get `processElement` per record. It must emit what `processElement(values[i], timestamps[i],
   * input)` for each record in order would. Batches arrive from input channels and, inside a
   * chain, from the operator before this one (its output is gathered per batch and handed on
   * before any watermark, side output, barrier or end of input that follows it).
   *
   * The arrays belong to the runtime: read them, never change them, and keep the values, never
   * the arrays (they are reused once the call returns, and may be a checkpoint's copy of
   * in-flight data). To name the record that failed, throw a `BatchRecordFailure`
   * (batch-record-failure.ts); what was emitted before it still goes downstream.
   *
   * Keyed streams call `processElement` per record even when this is defined: the runtime sets
   * the current key before each record, and keyed state and timers depend on it.
   */
  processBatch?(batch: RecordBatch<IN>, input: number): void;
  /**
   * Called after each input batch (and before watermarks, barriers and the end of input):
   * operators that buffer records to work on whole batches (WebAssembly operators) flush here.
   */
  finishBatch?(): void;
  /** Overriding it means taking over forwarding: call `output.emitWatermark` yourself. */
  processWatermark?(watermark: number): void;
  onEventTime?(timer: Timer): void;
  onProcessingTime?(timer: Timer): void;
  /** All inputs have ended (bounded streams), after the final watermark. */
  endInput?(): void;
  /** Called at a checkpoint barrier, before state is copied. A two-phase-commit sink pre-commits here. */
  prepareSnapshotPreBarrier?(checkpointId: number): void | Promise<void>;
  /** Returns the operator's own snapshot (beyond keyed/operator state), if any. */
  snapshotState?(context: SnapshotContext): unknown;
  /**
   * `restored` is this subtask's own snapshot at unchanged parallelism (undefined after a rescale);
   * `all` holds every old subtask's, so an operator can redistribute what it keeps (a
   * two-phase-commit sink's pending transactions) whatever the new parallelism.
   */
  initializeState?(restored: unknown, isRestored: boolean, all: readonly RestoredCustomState[]): void;
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void;
  close?(): void | Promise<void>;
  /**
   * When set, the operator is waiting on asynchronous work (e.g. a sink flush); the task feeds it
   * no input until the promise settles. Rejection fails the task.
   */
  readonly pending?: Promise<void> | undefined;
}
