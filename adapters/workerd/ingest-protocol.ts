/**
 * What crosses between an ingest log (one Durable Object per partition of an ingest source),
 * the Worker that appends to it and the source readers that read it.
 */

/** A reader's place in a log: the entry and the record within it. */
export interface LogPosition {
  readonly seq: number;
  readonly index: number;
}

/** Records appended together (one request, or part of one). */
export interface LogEntry {
  readonly seq: number;
  readonly records: readonly unknown[];
}

/** The answer to an append. */
export type AppendOutcome =
  /** Durable (the answer leaves the object only once it is written). `duplicate`: the key was seen before; nothing was added. */
  | { readonly status: "appended"; readonly records: number; readonly duplicate: boolean }
  /**
   * Too much is waiting to be read, or the records would go past the rate the source's rate
   * controller admits (`rate`, records/s for this partition): try again after `retryAfterSeconds`.
   */
  | { readonly status: "backpressured"; readonly retryAfterSeconds: number; readonly backlog: number; readonly rate?: number }
  /** The source was ended: nothing more is taken. */
  | { readonly status: "ended" };

/** The answer to a read. */
export interface ReadResult {
  readonly entries: readonly LogEntry[];
  /** The log was ended and `entries` reach its end. */
  readonly ended: boolean;
}

/** The RPC methods of an ingest log object. */
export interface IngestLogRpc {
  append(records: readonly unknown[], key: string | undefined, maxBacklog: number): Promise<AppendOutcome>;
  /** Entries from `from` on, at most about `maxRecords` records; waits up to `waitMs` for some when there are none. */
  read(from: LogPosition, maxRecords: number, waitMs: number): Promise<ReadResult>;
  /** Entries before `seq` are in a completed checkpoint: they are not read again. */
  commit(seq: number): Promise<void>;
  /** No more records: readers end once they have read everything. */
  end(): Promise<void>;
  /** The rate this partition admits, records/s, as the source's rate controller sets it (undefined: unlimited). */
  setAdmissionRate(rate: number | undefined): Promise<void>;
}
