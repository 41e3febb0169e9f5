/**
 * WebSocket ingest on Durable Objects in workerd (storage on disk): a windowed job fed over
 * WebSockets by a careful client (idempotency keys, answers awaited, 429s waited out) that loses
 * its connection twice, once cut by itself and once with workerd killed, and sends again what
 * was not answered and some of what was: the webhook receiver gets exactly the reference output,
 * computed here without Eddy, nothing lost or counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitFinished, submitJob } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";
import { endIngest } from "./testing/ingest-client.ts";
import { canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";
import { type KeyedBatch, type WsIngestStats, ask, ingestSocketUrl, openIngestSocket, sendBatches } from "./testing/ws-ingest-client.ts";

const BATCH = 20;
/** The rate the source admits (its rate controller's maximum), records/s: the client pushes faster. */
const RATE = 200;

describe("regression #11: WebSocket ingest on Durable Objects (workerd)", () => {
  let edge: EdgeDeployment;

  beforeAll(async () => {
    edge = await EdgeDeployment.start("ws", { receiver: true });
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
  });

  it("takes batches over reconnects and a workerd restart: the receiver gets the reference output exactly once", async () => {
    const { server, receiver } = edge;
    const jobId = await submitJob(server.url, {
      name: "websocket window sums",
      parallelism: 2,
      sources: [{ type: "ingest", name: "readings", timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 }, rateController: { intervalMs: 200, initialRate: RATE, maxRate: RATE } }],
      operators: windowSumOperators,
      sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 7 }],
      checkpointing: { interval: 150 },
      restartStrategy: { type: "fixed-delay", attempts: 5, delay: 100 },
    });
    const url = (): string => ingestSocketUrl(server.url, jobId, "readings");

    // Messages that are not batches are answered 400 and take nothing.
    const probe = await openIngestSocket(url());
    const bad = await ask(probe, '{"record": 1}');
    expect(bad.status).toBe(400);
    expect(bad.error).toContain("JSON array of records");
    probe.close();

    const records = readings(21, 800);
    const batches: KeyedBatch[] = [];
    for (let i = 0; i * BATCH < records.length; i++) batches.push({ key: `ws-${i}`, records: records.slice(i * BATCH, (i + 1) * BATCH) });
    const stats: WsIngestStats = { connections: 0, backpressured: 0, duplicates: 0, resent: 0 };
    const third = Math.floor(batches.length / 3);
    await sendBatches(url, batches.slice(0, third), stats, {
      // The connection is cut with answers outstanding: the client sends those again elsewhere.
      onAccepted: (n, ws) => {
        if (n === Math.floor(third / 2)) ws.terminate();
      },
    });
    // A client that lost the answers sends the last batches again on a new connection: every one
    // is found under its key, on whichever partition's object the new socket lands.
    const again = batches.slice(third - 8, third);
    const before = stats.duplicates;
    await sendBatches(url, again, stats);
    expect(stats.duplicates - before).toBe(again.length);

    // workerd killed mid-stream: the socket drops, and the client connects again once it is back.
    let killed = false;
    await sendBatches(url, batches.slice(third), stats, {
      onAccepted: async (n) => {
        if (n === third && !killed) {
          killed = true;
          await server.kill();
          await server.restart();
        }
      },
    });
    expect(killed).toBe(true);
    expect(stats.connections).toBeGreaterThanOrEqual(5);
    // The client pushed faster than the source admits: it was told to wait, and waited.
    expect(stats.backpressured).toBeGreaterThan(0);

    const hold = await openIngestSocket(url());
    await endIngest(() => server.url, jobId, "readings");
    // Once the source has ended, a message on a socket still open is refused, not taken.
    const late = await ask(hold, JSON.stringify({ key: "late", records: [{ k: "k0", v: 1000, ts: 10 }] }));
    expect(late.status).toBe(409);
    hold.close();

    await awaitFinished(server.url, jobId, 60_000);
    expect(receiver.withoutKey).toBe(0);
    expect(receiver.conflicting).toBe(0);
    expect(canonicalSums(receiver.records)).toEqual(windowSums(records));
  }, 150_000);
});
