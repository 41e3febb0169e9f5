/**
 * The Durable Object of one ingest partition: its log (IngestLog) by RPC, and WebSockets. A
 * WebSocket carries one append per message, `{"key": "...", "records": [...]}` (or a bare array
 * of records), and gets one answer per message, in order, once the records are durable:
 * `{"key", "status": 200, "accepted", "duplicate"}`, `{"key", "status": 429, "retryAfter"}`
 * when the job is behind, 409 once the source has ended, 400 for a message that is not one, 503
 * (with `retryAfter`) when the partition the key belongs to did not answer. A keyed message is appended to the partition its key belongs to (as an HTTP post with that
 * key is), so a client that reconnects, lands on another partition's object and sends an
 * unanswered message again finds its key there. Sockets are held with the hibernation API, so
 * an idle connection costs the object nothing.
 */
import type { DurableObjectState, DurableWebSocket, WebSocketPairConstructor } from "./durable-object.ts";
import type { AppendOutcome, IngestLogRpc, LogPosition, ReadResult } from "./ingest-protocol.ts";
import { IngestLog } from "./ingest-log.ts";
import { INGEST_PROTOCOL, offeredProtocols } from "../../server/token-guard.ts";

/** Largest WebSocket message taken, bytes (as an HTTP ingest body). */
export const MAX_INGEST_BYTES = 1024 * 1024;

/** What a socket's attachment holds: the source it feeds (set by the Worker when it forwards the upgrade). */
interface SocketTarget {
  readonly jobId: string;
  readonly source: string;
  /** The partition whose object holds the socket, and how many the source has. */
  readonly partition: number;
  readonly partitions: number;
  readonly maxBacklog: number;
  /**
   * After a message on this socket was refused (429, 503), later ones are refused until then
   * (ms since the epoch), so a client that sends them again in order keeps its records' order.
   */
  refusedUntil?: number;
}

/** The partition a keyed append goes to, for HTTP posts and WebSocket messages alike (FNV-1a of the key). */
export function partitionOfKey(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** An answer to one WebSocket message (see the module comment). */
export interface IngestAnswer {
  readonly key?: string;
  readonly status: number;
  readonly accepted?: number;
  readonly duplicate?: boolean;
  readonly retryAfter?: number;
  readonly error?: string;
}

/** WebSocket close codes an endpoint may not send (they only report what happened). */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

/** One ingest partition's object. */
export class DurableIngest implements IngestLogRpc {
  private readonly log: IngestLog;
  /** Per socket, the answer last queued: answers leave in the order the messages came. */
  private readonly answering = new WeakMap<DurableWebSocket, Promise<void>>();

  constructor(
    private readonly state: DurableObjectState,
    private readonly WebSocketPair: WebSocketPairConstructor | undefined,
    /** Another partition of the same source (a keyed message belongs there). */
    private readonly partition: (jobId: string, source: string, partition: number) => IngestLogRpc,
  ) {
    this.log = new IngestLog(state.storage);
  }

  append(records: readonly unknown[], key: string | undefined, maxBacklog: number): Promise<AppendOutcome> {
    return this.log.append(records, key, maxBacklog);
  }

  read(from: LogPosition, maxRecords: number, waitMs: number): Promise<ReadResult> {
    return this.log.read(from, maxRecords, waitMs);
  }

  commit(seq: number): Promise<void> {
    return this.log.commit(seq);
  }

  end(): Promise<void> {
    return this.log.end();
  }

  setAdmissionRate(rate: number | undefined): Promise<void> {
    return this.log.setAdmissionRate(rate);
  }

  /**
   * A WebSocket upgrade forwarded by the Worker, which names the source in the query:
   * `?job=&source=&partition=&partitions=&maxBacklog=`.
   */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || this.WebSocketPair === undefined) {
      return Response.json({ errors: ["[eddy] an ingest partition takes WebSocket upgrades here; POST records to /jobs/{jobid}/ingest/{source}"] }, { status: 426 });
    }
    const query = new URL(request.url).searchParams;
    const target: SocketTarget = {
      jobId: query.get("job") ?? "",
      source: query.get("source") ?? "",
      partition: Number(query.get("partition") ?? 0),
      partitions: Number(query.get("partitions") ?? 1),
      maxBacklog: Number(query.get("maxBacklog") ?? 100_000),
    };
    const pair = new this.WebSocketPair();
    this.state.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment(target);
    // A client that offered subprotocols (a browser that carries its token in one) fails the
    // connection unless the answer names one of them: the ingest protocol, never the token.
    const named = offeredProtocols(request.headers.get("sec-websocket-protocol") ?? undefined).includes(INGEST_PROTOCOL);
    return new Response(null, { status: 101, webSocket: pair[0], ...(named ? { headers: { "sec-websocket-protocol": INGEST_PROTOCOL } } : {}) } as ResponseInit);
  }

  webSocketMessage(ws: DurableWebSocket, message: string | ArrayBuffer): Promise<void> {
    // A keyed message may wait on another partition's object, and meanwhile the next one arrives:
    // each answer is sent after the one before it.
    const previous = this.answering.get(ws) ?? Promise.resolve();
    const answered = previous.then(async () => ws.send(JSON.stringify(await this.answer(ws, message))));
    this.answering.set(ws, answered.catch(() => undefined));
    return answered;
  }

  webSocketClose(ws: DurableWebSocket, code: number): void {
    ws.close(RESERVED_CLOSE_CODES.has(code) ? 1000 : code);
  }

  private async answer(ws: DurableWebSocket, message: string | ArrayBuffer): Promise<IngestAnswer> {
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    const target = (ws.deserializeAttachment() as SocketTarget | null) ?? { jobId: "", source: "", partition: 0, partitions: 1, maxBacklog: 100_000 };
    const parsed = parseIngestBody(text);
    if ("error" in parsed) return { status: 400, error: parsed.error };
    const key = parsed.key;
    // A client sends messages without waiting for answers: had a later one been taken while an
    // earlier one waits to be sent again, its records would come first, and an event-time job
    // would drop the earlier ones as late. So a refusal holds back the rest of the connection.
    const now = Date.now();
    if (target.refusedUntil !== undefined && now < target.refusedUntil) {
      const retryAfter = Math.max(1, Math.ceil((target.refusedUntil - now) / 1000));
      return { key, status: 429, retryAfter, error: `[eddy] an earlier message on this connection was refused: later ones are refused until it can be sent again (retry after ${retryAfter} s), so that records keep their order` };
    }
    const answer = await this.appendMessage(target, parsed.records, key);
    if ((answer.status === 429 || answer.status === 503) && answer.retryAfter !== undefined) ws.serializeAttachment({ ...target, refusedUntil: now + answer.retryAfter * 1000 });
    return answer;
  }

  /** Appends a socket's message to the partition its key belongs to; the answer to send. */
  private async appendMessage(target: SocketTarget, records: readonly unknown[], key: string | undefined): Promise<IngestAnswer> {
    const owner = key === undefined || target.partitions <= 1 ? target.partition : partitionOfKey(key, target.partitions);
    const log: IngestLogRpc = owner === target.partition ? this.log : this.partition(target.jobId, target.source, owner);
    let outcome: AppendOutcome;
    try {
      outcome = await log.append(records, key, target.maxBacklog);
    } catch (error) {
      // The key's partition did not answer (restarting): the client sends the batch again under
      // its key, which counts it once if it was taken after all.
      return { key, status: 503, retryAfter: 1, error: `[eddy] partition ${owner} of ingest source "${target.source}" did not answer: ${error instanceof Error ? error.message : String(error)}` };
    }
    return outcome.status === "appended"
      ? { key, status: 200, accepted: outcome.records, duplicate: outcome.duplicate }
      : outcome.status === "backpressured"
        ? { key, status: 429, retryAfter: outcome.retryAfterSeconds, error: behind(outcome) }
        : { key, status: 409, error: "[eddy] this ingest source has ended" };
  }
}

/** Why an append was refused: the rate the source admits, or what waits to be read. */
export function behind(outcome: { backlog: number; rate?: number | undefined }): string {
  return outcome.rate !== undefined
    ? `[eddy] the job admits ${Math.round(outcome.rate)} records/s here (its rate controller's rate)`
    : `[eddy] the job is behind: ${outcome.backlog} records wait to be read`;
}

/** An ingest body: a JSON array of records, or `{"records": [...], "key"?: "..."}`; errors say what was expected. */
export function parseIngestBody(text: string, headerKey?: string): { records: unknown[]; key: string | undefined } | { error: string } {
  if (text.length > MAX_INGEST_BYTES) return { error: `[eddy] an ingest message holds at most ${MAX_INGEST_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `[eddy] an ingest body must be JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  let records: unknown;
  let key: unknown = headerKey;
  if (Array.isArray(value)) records = value;
  else if (value !== null && typeof value === "object" && Array.isArray((value as { records?: unknown }).records)) {
    records = (value as { records: unknown[] }).records;
    key = (value as { key?: unknown }).key ?? headerKey;
  } else return { error: '[eddy] an ingest body must be a JSON array of records or {"records": [...]}' };
  if (key !== undefined && (typeof key !== "string" || !/^[\x21-\x7e]{1,200}$/.test(key))) return { error: "[eddy] an idempotency key must be 1-200 printable ASCII characters" };
  return { records: records as unknown[], key: key as string | undefined };
}
