/**
 * A source fed over HTTP or WebSocket on the edge: `POST /jobs/:jobid/ingest/:source` (a JSON
 * array of records, or `{"records": [...]}`) appends to the log of one of the source's
 * partitions, one Durable Object each, and is answered once the records are durable. Each
 * partition is a split; its reader reads the log from its position (long polls when it is
 * caught up), keeps the position in checkpoints, and once a checkpoint completes lets the log
 * drop what it has read. A restored job reads again from the restored positions, so nothing is
 * lost or counted twice. After `POST /jobs/:jobid/ingest/:source/end` the readers end when they
 * have read everything (the final watermark fires every window).
 */
import { EddyError } from "../../core/errors.ts";
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit, SplitEnumerator, SplitEnumeratorContext } from "../../core/connectors/source.ts";
import { StaticSplitEnumerator } from "../../core/connectors/static-split-enumerator.ts";
import type { EdgeBinding, EdgeConnector } from "./edge-binding.ts";
import type { IngestLogRpc, LogEntry, ReadResult } from "./ingest-protocol.ts";

/** Options of {@link IngestSource}. */
export interface IngestSourceOptions {
  /** The source's name in ingest URLs: letters, digits, `-` and `_`. */
  readonly name: string;
  /** Records that may wait unread in a partition before appends get 429 (default 100 000). */
  readonly maxBacklog?: number;
}

/** One partition: its log and the reader's position in it. */
export interface IngestSplit extends SourceSplit {
  readonly partition: number;
  readonly seq: number;
  readonly index: number;
}

/** Records per read from a log. */
const READ_RECORDS = 4_096;
/** How long a caught-up read waits for an append, ms. */
const LONG_POLL_MS = 1_000;

/** A source whose records are posted to the job (see the module comment). */
export class IngestSource<T = unknown> implements Source<T, IngestSplit, IngestSplit[]>, EdgeConnector {
  readonly boundedness: Boundedness = "CONTINUOUS_UNBOUNDED";
  readonly name: string;
  private binding: EdgeBinding | undefined;

  constructor(readonly options: IngestSourceOptions) {
    if (typeof options.name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(options.name)) {
      throw new EddyError(`[eddy] an ingest source needs a name of 1-64 letters, digits, - or _ (it is part of its URL), got ${JSON.stringify(options.name)}`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    }
    this.name = `Ingest ${options.name}`;
  }

  /** Records a partition may hold unread before appends are refused. */
  get maxBacklog(): number {
    return this.options.maxBacklog ?? 100_000;
  }

  bindEdge(binding: EdgeBinding): void {
    this.binding = binding;
  }

  createEnumerator(context: SplitEnumeratorContext<IngestSplit>, restored: IngestSplit[] | undefined): SplitEnumerator<IngestSplit, IngestSplit[]> {
    const splits = restored ?? Array.from({ length: context.parallelism }, (_, p) => ({ splitId: `${this.options.name}-${p}`, partition: p, seq: 0, index: 0 }));
    return new StaticSplitEnumerator(context, splits);
  }

  createReader(_context: SourceReaderContext): SourceReader<T, IngestSplit> {
    const binding = this.binding;
    if (binding === undefined) {
      throw new EddyError(`[eddy] ingest source "${this.options.name}" runs only on the edge (a Worker made by createEdgeWorker): its records are posted to the deployment`, { code: "INVALID_JOB", domain: "user", retryable: false });
    }
    return new IngestReader<T>((p) => binding.ingestLog(this.options.name, p));
  }
}

/** A partition's reader state between polls. */
interface Held {
  readonly split: IngestSplit;
  readonly log: IngestLogRpc;
  seq: number;
  index: number;
  /** Entries read ahead, oldest first (the first one from `index`). */
  entries: LogEntry[];
  reading: Promise<void> | undefined;
  ended: boolean;
  failure: unknown;
}

class IngestReader<T> implements SourceReader<T, IngestSplit> {
  private readonly held: Held[] = [];
  private noMoreSplits = false;
  private turn = 0;
  /** Positions per checkpoint, to commit once it completes. */
  private readonly pending = new Map<number, { log: IngestLogRpc; seq: number }[]>();
  private available: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(private readonly logOf: (partition: number) => IngestLogRpc) {}

  start(): void {}

  addSplits(splits: IngestSplit[]): void {
    for (const split of splits) this.held.push({ split, log: this.logOf(split.partition), seq: split.seq, index: split.index, entries: [], reading: undefined, ended: false, failure: undefined });
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
  }

  pollNext(output: ReaderOutput<T>, limit?: number): InputStatus {
    if (this.held.length === 0) return this.noMoreSplits ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
    const h = this.held[this.turn++ % this.held.length]!;
    if (h.failure !== undefined) throw h.failure;
    const entry = h.entries[0];
    if (entry === undefined) {
      if (h.ended) {
        this.held.splice(this.held.indexOf(h), 1);
        return this.held.length > 0 || !this.noMoreSplits ? "MORE_AVAILABLE" : "END_OF_INPUT";
      }
      this.readAhead(h);
      return this.held.some((x) => x.entries.length > 0 || (x.ended && x.reading === undefined)) ? "MORE_AVAILABLE" : "NOTHING_AVAILABLE";
    }
    // The entry from the reader's position on (the first one read after a restore, or under a
    // rate, may be partly read).
    const start = entry.seq === h.seq ? h.index : 0;
    const end = limit === undefined ? entry.records.length : Math.min(entry.records.length, start + Math.max(1, limit));
    for (let i = start; i < end; i++) output.collect(entry.records[i] as T);
    if (end < entry.records.length) {
      h.seq = entry.seq;
      h.index = end;
      return "MORE_AVAILABLE";
    }
    h.entries.shift();
    h.seq = entry.seq + 1;
    h.index = 0;
    if (h.entries.length === 0) this.readAhead(h);
    return "MORE_AVAILABLE";
  }

  isAvailable(): Promise<void> {
    if (this.held.length === 0 || this.held.some((h) => h.entries.length > 0 || h.failure !== undefined || (h.ended && h.reading === undefined))) return Promise.resolve();
    this.available ??= (() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    })();
    return this.available.promise;
  }

  snapshotState(checkpointId: number): IngestSplit[] {
    this.pending.set(checkpointId, this.held.map((h) => ({ log: h.log, seq: h.seq })));
    return this.held.map((h) => ({ ...h.split, seq: h.seq, index: h.index }));
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const positions = this.pending.get(checkpointId);
    for (const id of [...this.pending.keys()]) if (id <= checkpointId) this.pending.delete(id);
    if (positions === undefined) return;
    // Entries before a checkpointed position are never read again.
    await Promise.all(positions.map((p) => p.log.commit(p.seq)));
  }

  describeSplits(): { splitId: string; state?: unknown }[] {
    return this.held.map((h) => ({ splitId: h.split.splitId, state: { seq: h.seq, index: h.index } }));
  }

  private readAhead(h: Held): void {
    if (h.reading !== undefined || h.ended) return;
    const from = h.entries.length > 0 ? { seq: h.entries.at(-1)!.seq + 1, index: 0 } : { seq: h.seq, index: h.index };
    h.reading = h.log.read(from, READ_RECORDS, LONG_POLL_MS).then(
      (result: ReadResult) => {
        h.reading = undefined;
        h.entries.push(...result.entries);
        h.ended = result.ended;
        this.signal();
      },
      (error: unknown) => {
        h.reading = undefined;
        h.failure = new EddyError(`[eddy] ingest source partition ${h.split.partition} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { code: "INGEST_UNREACHABLE", domain: "external", retryable: true, cause: error });
        this.signal();
      },
    );
  }

  private signal(): void {
    const a = this.available;
    this.available = undefined;
    a?.resolve();
  }
}
