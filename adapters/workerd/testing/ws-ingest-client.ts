/**
 * A client of an edge job's ingest source over a WebSocket for the tests, as a careful producer
 * writes one: each batch goes with an idempotency key and stays pending until it is answered 200;
 * after a 429 it is sent again once the answer's `retryAfter` has passed, and nothing after it
 * goes before it (batches keep their order); when the connection
 * drops (workerd killed, the socket cut) the client connects again and sends every pending batch
 * again under its key.
 */
import WebSocket from "ws";
import type { IngestAnswer } from "../ingest-object.ts";

/** A batch of records under its idempotency key. */
export interface KeyedBatch {
  readonly key: string;
  readonly records: readonly unknown[];
}

/** How sending went. */
export interface WsIngestStats {
  /** Connections opened (1 + reconnects). */
  connections: number;
  /** 429 answers (the job was behind, or above its rate). */
  backpressured: number;
  /** 200 answers saying the key was taken before. */
  duplicates: number;
  /** Batches sent again on a new connection because their answer had not come. */
  resent: number;
}

/** The WebSocket URL of an ingest source. */
export function ingestSocketUrl(base: string, jobId: string, source: string): string {
  return `${base.replace(/^http/, "ws")}/jobs/${jobId}/ingest/${source}`;
}

/** Opens a socket to an ingest source; rejects when the upgrade is refused (with its status) or nothing answers. */
export function openIngestSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`[eddy] the upgrade was answered HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/** Sends one message and waits for its answer (for tests of single answers). */
export function ask(ws: WebSocket, message: string): Promise<IngestAnswer> {
  return new Promise((resolve) => {
    ws.once("message", (data) => resolve(JSON.parse(String(data)) as IngestAnswer));
    ws.send(message);
  });
}

/** Options of {@link sendBatches}. */
export interface SendOptions {
  /** Messages sent before their answers come, at most. */
  readonly window?: number;
  /** Called after each batch answered 200 (the test may cut the connection or kill workerd here). */
  readonly onAccepted?: (accepted: number, socket: WebSocket) => void | Promise<void>;
  readonly deadlineMs?: number;
}

/** Sends `batches` over `url()`'s socket until every one is answered 200. */
export async function sendBatches(url: () => string, batches: readonly KeyedBatch[], stats: WsIngestStats, options: SendOptions = {}): Promise<void> {
  const window = options.window ?? 8;
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const pending = new Map(batches.map((b) => [b.key, b]));
  const order = batches.map((b) => b.key);
  const position = new Map(order.map((k, i) => [k, i]));
  let accepted = 0;
  let first = true;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`[eddy] ${pending.size} batches were not taken in time`);
    let ws: WebSocket;
    try {
      ws = await openIngestSocket(url());
    } catch {
      // workerd is down or restarting: connect again shortly.
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    stats.connections++;
    if (!first) stats.resent += pending.size;
    first = false;
    await new Promise<void>((resolve, reject) => {
      const inFlight = new Set<string>();
      const waiting = order.filter((k) => pending.has(k));
      // After a refusal nothing is sent until its retry time, and then in the original order:
      // the object refuses the rest of the connection meanwhile, so the records keep their order.
      let paused: ReturnType<typeof setTimeout> | undefined;
      const pump = (): void => {
        while (paused === undefined && inFlight.size < window && waiting.length > 0 && ws.readyState === WebSocket.OPEN) {
          const key = waiting.shift()!;
          inFlight.add(key);
          ws.send(JSON.stringify({ key, records: pending.get(key)!.records }));
        }
        if (pending.size === 0) ws.close(1000);
      };
      ws.on("message", (data) => {
        const answer = JSON.parse(String(data)) as IngestAnswer;
        const key = answer.key;
        if (key === undefined || !inFlight.has(key)) return reject(new Error(`[eddy] an answer to no message sent: ${String(data)}`));
        inFlight.delete(key);
        if (answer.status === 200) {
          if (answer.duplicate === true) stats.duplicates++;
          pending.delete(key);
          accepted++;
          void Promise.resolve(options.onAccepted?.(accepted, ws)).then(pump, reject);
          return;
        }
        if (answer.status === 429 || answer.status === 503) {
          if (answer.status === 429) stats.backpressured++;
          waiting.push(key);
          waiting.sort((a, b) => position.get(a)! - position.get(b)!);
          if (paused === undefined) {
            paused = setTimeout(() => {
              paused = undefined;
              pump();
            }, (answer.retryAfter ?? 1) * 1000);
          }
          return;
        }
        reject(new Error(`[eddy] batch ${key} was refused: ${String(data)}`));
      });
      // Dropped (or closed once all were taken): what is pending goes again on a new connection.
      ws.on("close", () => {
        clearTimeout(paused);
        resolve();
      });
      ws.on("error", () => undefined);
      pump();
    });
  }
}
