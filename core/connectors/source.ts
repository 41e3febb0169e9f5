import type { OutputTag } from "../runtime/operator.ts";

/**
 * Sources after Flink's FLIP-27: a split enumerator that hands out splits, and readers that
 * poll records without blocking and say when more may be available.
 */

/** What `pollNext` says about the reader after it returns. */
export type InputStatus = "MORE_AVAILABLE" | "NOTHING_AVAILABLE" | "END_OF_INPUT";

/** Whether a source ends by itself. */
export type Boundedness = "BOUNDED" | "CONTINUOUS_UNBOUNDED";

/** A piece of a source's input that one reader reads (a partition, a file range...). */
export interface SourceSplit {
  readonly splitId: string;
}

/** Where a reader emits. */
export interface ReaderOutput<T> {
  /** Emits a record; `timestamp` is the record's own timestamp (e.g. a Kafka record timestamp), if any. */
  collect(value: T, timestamp?: number): void;
  /**
   * Emits to a side output of the source (e.g. records that could not be deserialized, as dead
   * letters); they bypass timestamp assignment and watermark generation.
   */
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp?: number): void;
  /**
   * Output for one split: watermarks are generated per split and combined into the reader's
   * (Flink's per-partition watermarks). Release it when the split is finished.
   */
  createOutputForSplit?(splitId: string): ReaderOutput<T>;
  releaseOutputForSplit?(splitId: string): void;
  /** Marks the reader idle for watermarking (e.g. it has no splits). */
  markIdle(): void;
}

/** What a reader is given when created. */
export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Asks the enumerator for a split (pull-based sources). */
  sendSplitRequest(): void;
  /** Processing time in ms. */
  currentTime(): number;
}

/** Reads records of the splits assigned to one subtask (Flink's SourceReader). */
export interface SourceReader<T, S extends SourceSplit = SourceSplit> {
  start(): void | Promise<void>;
  /**
   * Emits zero or more records into `output` without blocking: at most `limit` when it is given
   * (the source is held to a rate and has that many records' worth of it now). A reader that
   * emits in chunks ends its chunk early there; one that ignores `limit` is held to its rate a
   * chunk at a time, in bursts.
   */
  pollNext(output: ReaderOutput<T>, limit?: number): InputStatus;
  /** Resolves when `pollNext` may have data again. */
  isAvailable(): Promise<void>;
  addSplits(splits: S[]): void;
  /** No more splits will come: a bounded reader may end when its splits are done. */
  notifyNoMoreSplits(): void;
  /** Current state of every split this reader holds, for a checkpoint. */
  snapshotState(checkpointId: number): S[];
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
  /**
   * The reader's own counters by name, read whenever the job's metrics are: Flink's names where
   * one exists (`numRecordsInErrors`: records that failed to be consumed), else the connector's
   * group and name (`KafkaSourceReader.commitsFailed`). Shown per subtask and summed per vertex.
   */
  metrics?(): Readonly<Record<string, number>>;
  /** The most records per second this reader may emit now (Kafka's maxRatePerPartition x its partitions); optional. */
  maxRate?(): number | undefined;
  /** The splits held now, with their positions, without taking a snapshot (monitoring; optional). */
  describeSplits?(): { splitId: string; state?: unknown }[];
}

/** What an enumerator is given: the readers and a way to assign splits to them. */
export interface SplitEnumeratorContext<S extends SourceSplit> {
  readonly parallelism: number;
  /** Subtasks whose reader has registered. */
  registeredReaders(): readonly number[];
  assignSplits(assignment: ReadonlyMap<number, S[]>): void;
  signalNoMoreSplits(subtask: number): void;
  /**
   * Runs `task` every `periodMs` of processing time (0 = once), then `handler` with its result
   * in the coordinator's thread of control (Flink's callAsync) — e.g. partition discovery.
   */
  callAsync<R>(task: () => Promise<R>, handler: (result: R | undefined, error: unknown) => void, initialDelayMs: number, periodMs: number): void;
  currentTime(): number;
}

/** Discovers splits and assigns them to readers (Flink's SplitEnumerator). */
export interface SplitEnumerator<S extends SourceSplit, E> {
  start(): void | Promise<void>;
  handleSplitRequest?(subtask: number): void;
  addReader(subtask: number): void;
  /** Splits of a failed reader go back to the enumerator. */
  addSplitsBack(splits: S[], subtask: number): void;
  snapshotState(checkpointId: number): E;
  notifyCheckpointComplete?(checkpointId: number): void;
  close?(): void | Promise<void>;
}

/** A source: a factory of one enumerator and one reader per subtask. */
export interface Source<T, S extends SourceSplit = SourceSplit, E = unknown> {
  readonly boundedness: Boundedness;
  /** Display name used when none is given to `fromSource`. */
  readonly name?: string;
  createEnumerator(context: SplitEnumeratorContext<S>, restored: E | undefined): SplitEnumerator<S, E>;
  createReader(context: SourceReaderContext): SourceReader<T, S>;
}
