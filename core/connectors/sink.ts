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
