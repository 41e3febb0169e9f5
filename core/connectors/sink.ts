/**
 * Sinks after Flink's Sink V2: a writer per subtask, and for transactional sinks a committer
 * whose commits are idempotent.
 */

/** What a writer is told about the record being written. */
export interface SinkWriterContext {
  /** The record's timestamp, NaN when it has none. */
  readonly timestamp: number;
  readonly currentWatermark: number;
}

/** What a writer is given when created. */
export interface SinkInitContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly attemptNumber: number;
  /** Processing time in ms. */
  currentTime(): number;
  /**
   * Present when the writer runs on a TaskManager in another isolate than the JobManager: where
   * the records of a {@link ResultSink} go (they travel to the JobManager's isolate).
   */
  readonly results?: ResultOutbox;
}

/** Collects records on a TaskManager and sends them to the JobManager's isolate. */
export interface ResultOutbox {
  add(value: unknown): void;
}

/**
 * A sink whose records belong to the JobManager's isolate (`executeAndCollect`, the server's
 * result buffers): in one isolate its writer keeps them directly; on a TaskManager elsewhere the
 * writer sends them through `SinkInitContext.results` and the JobManager hands them to `accept`.
 */
export interface ResultSink<T> extends Sink<T> {
  readonly collectsResults: true;
  /** Records a writer on another TaskManager sent, in its order. */
  accept(values: readonly T[]): void;
}

/** Whether a sink is a {@link ResultSink}. */
export function isResultSink(sink: unknown): sink is ResultSink<unknown> {
  return typeof sink === "object" && sink !== null && (sink as { collectsResults?: unknown }).collectsResults === true;
}

/** The writer of a result sink on a TaskManager in another isolate. */
export function forwardingWriter<T>(results: ResultOutbox): SinkWriter<T> {
  return { write: (value) => results.add(value), flush: () => {} };
}

/**
 * Writes records of one subtask. `write` may return a promise (the task then waits for it
 * before feeding more input: backpressure from the external system).
 */
export interface SinkWriter<T> {
  write(value: T, context: SinkWriterContext): void | Promise<void>;
  /** Flushes buffered writes; at a checkpoint barrier (at-least-once) and at end of input. */
  flush(endOfInput: boolean): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** A sink: a factory of writers. */
export interface Sink<T> {
  /** Display name used when none is given to `sinkTo`. */
  readonly name?: string;
  createWriter(context: SinkInitContext): SinkWriter<T>;
}
