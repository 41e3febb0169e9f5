/**
 * An ingest partition's object answering WebSocket messages: a refusal holds back the rest of
 * the connection, so a client that pipelines batches and sends refused ones again in order
 * keeps its records in order.
 */
import { describe, expect, it } from "vitest";
import type { DurableObjectState, DurableWebSocket } from "./durable-object.ts";
import { DurableIngest, type IngestAnswer } from "./ingest-object.ts";
import type { IngestLogRpc } from "./ingest-protocol.ts";
import { MemoryDurableStorage } from "./testing/memory-durable-storage.ts";

/** A hibernatable socket as the object sees it: its attachment, and the answers it sent. */
function socket(): DurableWebSocket & { answers: IngestAnswer[] } {
  let attachment: unknown = { jobId: "j", source: "readings", partition: 0, partitions: 1, maxBacklog: 10_000 };
  const answers: IngestAnswer[] = [];
  return {
    answers,
    send: (message: string) => void answers.push(JSON.parse(message)),
    close: () => undefined,
    serializeAttachment: (value: unknown) => void (attachment = structuredClone(value)),
    deserializeAttachment: () => attachment,
  } as unknown as DurableWebSocket & { answers: IngestAnswer[] };
}

const batch = (key: string, n: number): string => JSON.stringify({ key, records: Array.from({ length: n }, (_, i) => ({ i })) });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("WebSocket ingest keeps a connection's order", () => {
  it("refuses the messages after a refused one until its retry time, then takes them in the order they come", async () => {
    const storage = new MemoryDurableStorage();
    const state = { storage } as unknown as DurableObjectState;
    const ingest = new DurableIngest(state, undefined, () => {
      throw new Error("one partition only");
    });
    await ingest.setAdmissionRate(10);
    const ws = socket();
    await ingest.webSocketMessage(ws, batch("a", 10));
    await ingest.webSocketMessage(ws, batch("b", 5));
    expect(ws.answers.map((a) => [a.key, a.status])).toEqual([
      ["a", 200],
      ["b", 429],
    ]);
    // Enough time for the rate to admit one record, not for "b" to be due again: a single record
    // after "b" would otherwise be taken before it.
    await sleep(300);
    await ingest.webSocketMessage(ws, batch("c", 1));
    expect(ws.answers[2]).toMatchObject({ key: "c", status: 429 });
    expect(ws.answers[2]!.error).toMatch(/an earlier message on this connection was refused/);
    expect(ws.answers[2]!.retryAfter).toBeGreaterThanOrEqual(1);
    // Another connection is not held back.
    const other = socket();
    await ingest.webSocketMessage(other, batch("d", 1));
    expect(other.answers[0]).toMatchObject({ key: "d", status: 200 });

    await sleep(ws.answers[1]!.retryAfter! * 1000);
    await ingest.webSocketMessage(ws, batch("b", 5));
    await ingest.webSocketMessage(ws, batch("c", 1));
    expect(ws.answers.slice(3).map((a) => [a.key, a.status])).toEqual([
      ["b", 200],
      ["c", 200],
    ]);
    const log: IngestLogRpc = ingest;
    const read = await log.read({ seq: 0, index: 0 }, 100, 0);
    // a, d (the other connection), then b before c.
    expect(read.entries.map((e) => e.records.length)).toEqual([10, 1, 5, 1]);
  });
});
