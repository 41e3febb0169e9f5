/**
 * The Durable Object of one ingest partition: its log (IngestLog) by RPC, and WebSockets. A
 * WebSocket carries one append per message, `{"key": "...", "records": [...]}` (or a bare array
 * of records), and gets one answer per message, in order, once the records are durable:
 * `{"key", "status": 200, "accepted", "duplicate"}`, `{"key", "status": 429, "retryAfter"}`
 * when the job is behind, 409 once the source has ended, 400 for a message that is not one.
 * Sockets are held with the hibernation API, so an idle connection costs the object nothing.
 */
import type { DurableObjectState, DurableWebSocket, WebSocketPairConstructor } from "./durable-object.ts";
import type { AppendOutcome, IngestLogRpc, LogPosition, ReadResult } from "./ingest-protocol.ts";
import { IngestLog } from "./ingest-log.ts";

/** Largest WebSocket message taken, bytes (as an HTTP ingest body). */
export const MAX_INGEST_BYTES = 1024 * 1024;

/** One ingest partition's object. */
export class DurableIngest implements IngestLogRpc {
  private readonly log: IngestLog;

  constructor(private readonly state: DurableObjectState, private readonly WebSocketPair: WebSocketPairConstructor | undefined) {
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

  /** A WebSocket upgrade forwarded by the Worker (`?maxBacklog=` set by it). */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || this.WebSocketPair === undefined) {
      return Response.json({ errors: ["[eddy] an ingest partition takes WebSocket upgrades here; POST records to /jobs/{jobid}/ingest/{source}"] }, { status: 426 });
    }
    const maxBacklog = Number(new URL(request.url).searchParams.get("maxBacklog") ?? 100_000);
    const pair = new this.WebSocketPair();
    this.state.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({ maxBacklog });
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
  }

  async webSocketMessage(ws: DurableWebSocket, message: string | ArrayBuffer): Promise<void> {
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    const { maxBacklog } = (ws.deserializeAttachment() as { maxBacklog: number } | null) ?? { maxBacklog: 100_000 };
    const parsed = parseIngestBody(text);
    if ("error" in parsed) {
      ws.send(JSON.stringify({ status: 400, error: parsed.error }));
      return;
    }
    const key = parsed.key;
    const outcome = await this.log.append(parsed.records, key, maxBacklog);
    const answer =
      outcome.status === "appended"
        ? { key, status: 200, accepted: outcome.records, duplicate: outcome.duplicate }
        : outcome.status === "backpressured"
          ? { key, status: 429, retryAfter: outcome.retryAfterSeconds, error: behind(outcome) }
          : { key, status: 409, error: "[eddy] this ingest source has ended" };
    ws.send(JSON.stringify(answer));
  }

  webSocketClose(ws: DurableWebSocket, code: number): void {
    ws.close(code === 1005 ? 1000 : code);
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
