/**
 * A bundled windowed job on Durable Objects in workerd (storage on disk), fed through its HTTP
 * ingest source, writing to a webhook sink whose receiver is a local HTTP server: the receiver
 * gets exactly the reference output, computed here without Eddy. The test never asks the job
 * how it is doing until its output has arrived: alarms drive it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleEdge } from "../../bin/bundle.ts";
import { bundledJobId } from "./edge-worker.ts";
import { awaitJob } from "./testing/edge-client.ts";
import { EdgeServer } from "./testing/edge-server.ts";
import { type IngestStats, endIngest, postBatch } from "./testing/ingest-client.ts";
import { WebhookReceiver } from "./testing/webhook-receiver.ts";
import { canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";

const BATCH = 40;

describe("HTTP ingest and the webhook sink on Durable Objects (workerd)", () => {
  let dir: string;
  let server: EdgeServer;
  let receiver: WebhookReceiver;
  let jobId: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    dir = await mkdtemp(path.join(tmpdir(), "eddy-edge-ingest-"));
    const spec = {
      name: "ingested window sums",
      parallelism: 2,
      sources: [{ type: "ingest", name: "readings", timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 } }],
      operators: windowSumOperators,
      sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 7 }],
      checkpointing: { interval: 200 },
    };
    // The bundled spec starts with the Worker's first request, under an id made from its name.
    server = await EdgeServer.start(await bundleEdge({ spec, outDir: dir }));
    jobId = await bundledJobId(spec.name);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a post that is not a batch of records, naming what it expected", async () => {
    const res = await fetch(`${server.url}/jobs/${jobId}/ingest/readings`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"record": 1}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("JSON array of records");
  });

  it("answers 404 for an ingest source the job does not have", async () => {
    const res = await fetch(`${server.url}/jobs/${jobId}/ingest/nothing`, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" });
    expect(res.status).toBe(404);
  });

  it("sends the reference output to the webhook, each record once, with posts retried under their idempotency keys counted once", async () => {
    const records = readings(5, 600);
    const stats: IngestStats = { backpressured: 0, duplicates: 0, unanswered: 0 };
    const url = (): string => server.url;
    for (let i = 0; i * BATCH < records.length; i++) {
      const batch = records.slice(i * BATCH, (i + 1) * BATCH);
      await postBatch(url, jobId, "readings", batch, `batch-${i}`, stats);
      // A client that lost the answer sends the batch again: it must not count twice.
      if (i % 4 === 1) await postBatch(url, jobId, "readings", batch, `batch-${i}`, stats);
    }
    expect(stats.duplicates).toBe(Math.ceil(records.length / BATCH / 4));
    await endIngest(url, jobId, "readings");

    const expected = windowSums(records);
    const deadline = Date.now() + 60_000;
    while (receiver.records.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const job = await awaitJob(server.url, jobId, ["FINISHED", "FAILED", "CANCELED"], 30_000);
    expect(job.state, JSON.stringify(job)).toBe("FINISHED");
    expect(receiver.withoutKey).toBe(0);
    expect(canonicalSums(receiver.records)).toEqual(expected);
  }, 120_000);
});
