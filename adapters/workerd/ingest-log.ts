/**
 * The log behind one partition of an ingest source, in a Durable Object's storage. Appends are
 * durable before they are answered (a Durable Object's answer waits for its writes); a key
 * given with an append is remembered for `keyWindowMs`, so a client's retry adds nothing. A
 * reader reads entries by position and keeps its position in checkpoints; entries before the
 * position of a completed checkpoint are deleted. When more records wait to be read than the
 * source allows, appends are refused until the job catches up (backpressure, HTTP 429).
 */
import { AdmissionGate } from "../../core/runtime/rate/admission-gate.ts";
import type { DurableObjectStorage } from "./durable-object.ts";
import type { AppendOutcome, IngestLogRpc, LogEntry, LogPosition, ReadResult } from "./ingest-protocol.ts";

/** JSON bytes per stored entry, at most (values are limited to 128 KiB). */
const ENTRY_BYTES = 96 * 1024;
/** Storage writes per `put` (the API takes at most 128 keys). */
const PUT_KEYS = 100;
const ENTRIES = "entry/";
const KEYS = "key/";
const KEY_TIMES = "key-time/";
const META = "meta";

interface Meta {
  /** Sequence number of the next entry. */
  next: number;
  /** Records appended, and records handed to readers (as far as any reader got). */
  appended: number;
  taken: number;
  /** The furthest position a reader read up to. */
  takenTo: LogPosition;
  ended: boolean;
}

/** Options of {@link IngestLog}. */
export interface IngestLogOptions {
  /** How long an idempotency key is remembered, ms (default 24 h). */
  readonly keyWindowMs?: number;
  readonly now?: () => number;
}

function entryKey(seq: number): string {
  return `${ENTRIES}${String(seq).padStart(12, "0")}`;
}

/** One partition's log (see the module comment). */
export class IngestLog implements IngestLogRpc {
  private meta: Meta | undefined;
  private waiters: (() => void)[] = [];
  /** Admission at the rate controller's rate (kept in memory: the JobManager sets it again every second). */
  private readonly gate = new AdmissionGate();
  private readonly keyWindowMs: number;
  private readonly now: () => number;

  constructor(private readonly storage: DurableObjectStorage, options: IngestLogOptions = {}) {
    this.keyWindowMs = options.keyWindowMs ?? 24 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  async setAdmissionRate(rate: number | undefined): Promise<void> {
    this.gate.setRate(rate, this.now());
  }

  async append(records: readonly unknown[], key: string | undefined, maxBacklog: number): Promise<AppendOutcome> {
    const meta = await this.load();
    if (key !== undefined && (await this.storage.get(`${KEYS}${key}`)) !== undefined) return { status: "appended", records: records.length, duplicate: true };
    if (meta.ended) return { status: "ended" };
    const backlog = meta.appended - meta.taken;
    if (backlog > 0 && backlog + records.length > maxBacklog) return { status: "backpressured", retryAfterSeconds: 1, backlog };
    const admission = this.gate.admit(records.length, this.now());
    if (!admission.admitted) return { status: "backpressured", retryAfterSeconds: Math.max(1, Math.ceil(admission.retryAfterMs / 1000)), backlog, rate: admission.rate };
    const writes: Record<string, unknown> = {};
    if (records.length > 0) {
      const bytes = JSON.stringify(records).length;
      const per = Math.max(1, Math.floor((records.length * ENTRY_BYTES) / Math.max(bytes, 1)));
      for (let i = 0; i < records.length; i += per) writes[entryKey(meta.next++)] = records.slice(i, i + per);
    }
    meta.appended += records.length;
    if (key !== undefined) {
      const at = this.now();
      writes[`${KEYS}${key}`] = at;
      writes[`${KEY_TIMES}${String(at).padStart(15, "0")}/${key}`] = key;
    }
    writes[META] = meta;
    // One put is atomic: the entries, the key and the counters are stored together or not at all.
    // A request body is limited well below PUT_KEYS entries of ENTRY_BYTES.
    const keys = Object.keys(writes);
    for (let i = 0; i < keys.length; i += PUT_KEYS) await this.storage.put(Object.fromEntries(keys.slice(i, i + PUT_KEYS).map((k) => [k, writes[k]])));
    this.wakeReaders();
    return { status: "appended", records: records.length, duplicate: false };
  }

  async read(from: LogPosition, maxRecords: number, waitMs: number): Promise<ReadResult> {
    // Listening before reading: an append while the read awaits storage wakes it too.
    let wake!: () => void;
    const appended = new Promise<void>((resolve) => (wake = resolve));
    this.waiters.push(wake);
    try {
      let result = await this.readNow(from, maxRecords);
      if (result.entries.length === 0 && !result.ended && waitMs > 0) {
        // Long poll: an append (or the end) answers the waiting reader at once.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([appended, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
        result = await this.readNow(from, maxRecords);
      }
      return result;
    } finally {
      const i = this.waiters.indexOf(wake);
      if (i >= 0) this.waiters.splice(i, 1);
    }
  }

  async commit(seq: number): Promise<void> {
    const meta = await this.load();
    const done = [...(await this.storage.list({ prefix: ENTRIES, end: entryKey(seq) })).keys()];
    const expired = await this.storage.list<string>({ prefix: KEY_TIMES, end: `${KEY_TIMES}${String(this.now() - this.keyWindowMs).padStart(15, "0")}` });
    const drop = [...done, ...expired.keys(), ...[...expired.values()].map((k) => `${KEYS}${k}`)];
    for (let i = 0; i < drop.length; i += PUT_KEYS) await this.storage.delete(drop.slice(i, i + PUT_KEYS));
    // The counters read since the last write go with the commit (after a restart, until then,
    // the backlog reads higher than it is: a few appends more are refused, none is lost).
    await this.storage.put(META, meta);
  }

  async end(): Promise<void> {
    const meta = await this.load();
    meta.ended = true;
    await this.storage.put(META, meta);
    this.wakeReaders();
  }

  private async readNow(from: LogPosition, maxRecords: number): Promise<ReadResult> {
    const meta = await this.load();
    const entries: LogEntry[] = [];
    let records = 0;
    let start = entryKey(from.seq);
    while (records < maxRecords) {
      const got = await this.storage.list<unknown[]>({ start, prefix: ENTRIES, limit: 32 });
      if (got.size === 0) break;
      for (const [k, values] of got) {
        const seq = Number(k.slice(ENTRIES.length));
        entries.push({ seq, records: values });
        records += seq === from.seq ? values.length - from.index : values.length;
        start = entryKey(seq + 1);
        if (records >= maxRecords) break;
      }
      if (got.size < 32) break;
    }
    const last = entries.at(-1);
    const to: LogPosition = last === undefined ? from : { seq: last.seq, index: last.records.length };
    this.countTaken(meta, from, to, entries);
    return { entries, ended: meta.ended && (last === undefined || last.seq === meta.next - 1) };
  }

  /** Counts records a reader takes for the first time (a restored reader reads some again). */
  private countTaken(meta: Meta, from: LogPosition, to: LogPosition, entries: readonly LogEntry[]): void {
    const t = meta.takenTo;
    if (to.seq < t.seq || (to.seq === t.seq && to.index <= t.index)) return;
    for (const e of entries) {
      if (e.seq < t.seq) continue;
      const fromIndex = e.seq === t.seq ? t.index : e.seq === from.seq ? from.index : 0;
      meta.taken += Math.max(0, e.records.length - fromIndex);
    }
    meta.takenTo = to;
  }

  private wakeReaders(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async load(): Promise<Meta> {
    this.meta ??= (await this.storage.get<Meta>(META)) ?? { next: 0, appended: 0, taken: 0, takenTo: { seq: 0, index: 0 }, ended: false };
    return this.meta;
  }
}
