/**
 * A bundled windowed job on Durable Objects in workerd (storage on disk), fed through its HTTP
 * ingest source, writing to a webhook sink whose receiver is a local HTTP server: the receiver
 * gets exactly the reference output, computed here without Eddy. The test never asks the job
 * how it is doing until its output has arrived: alarms drive it. The same job with a WebAssembly
 * operator compiled into the bundle (`eddy bundle --component`) does too.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitFinished, getJson } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";
import { type IngestStats, endIngest, postBatch } from "./testing/ingest-client.ts";
import { WINDOW_MS, canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";
import { uppercaseComponent } from "../../server/testing/fixtures.ts";

const BATCH = 40;

describe("HTTP ingest and the webhook sink on Durable Objects (workerd)", () => {
  let edge: EdgeDeployment;

  beforeAll(async () => {
    edge = await EdgeDeployment.start("ingest", {
      receiver: true,
      spec: ({ receiver }) => ({
        name: "ingested window sums",
        parallelism: 2,
        sources: [{ type: "ingest", name: "readings", timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 } }],
        operators: windowSumOperators,
        sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 7 }],
        checkpointing: { interval: 200 },
      }),
    });
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
  });

  it("refuses a post that is not a batch of records, naming what it expected", async () => {
    const { server, jobId } = edge;
    const res = await fetch(`${server.url}/jobs/${jobId}/ingest/readings`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"record": 1}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("JSON array of records");
  });

  it("answers 404 for an ingest source the job does not have", async () => {
    const { server, jobId } = edge;
    const res = await fetch(`${server.url}/jobs/${jobId}/ingest/nothing`, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" });
    expect(res.status).toBe(404);
  });

  it("sends the reference output to the webhook, each record once, with posts retried under their idempotency keys counted once", async () => {
    const { server, receiver, jobId } = edge;
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
    // While it runs, the job's metrics count what was fed, once: the source wrote each record
    // (a retried post added none), and the window read each.
    const [source, window] = (await getJson(server.url, `/jobs/${jobId}`)).vertices as { id: string }[];
    await vertexCountsReach(server.url, jobId, source!.id, "write-records", records.length);
    await vertexCountsReach(server.url, jobId, window!.id, "read-records", records.length);
    await endIngest(url, jobId, "readings");

    const expected = windowSums(records);
    await receiver.waitForRecords(expected.length);
    const job = await awaitFinished(server.url, jobId, 30_000);
    expect(receiver.withoutKey).toBe(0);
    expect(canonicalSums(receiver.records)).toEqual(expected);
    // The ended job keeps what it counted.
    expect(job.vertices.map((v: { metrics: Record<string, number> }) => [v.metrics["read-records"], v.metrics["write-records"]])).toEqual([
      [0, records.length],
      [records.length, 0],
    ]);
  }, 120_000);
});

/**
 * Waits until a vertex's `figure`, in `/jobs/:id` and summed over its subtasks in
 * `/jobs/:id/vertices/:vid`, reaches `count` (TaskManagers report every second); then both must
 * be exactly `count`, and the subtasks' time is accounted.
 */
async function vertexCountsReach(base: string, jobId: string, vertexId: string, figure: "read-records" | "write-records", count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = await getJson(base, `/jobs/${jobId}`);
    const inJob = (job.vertices as { id: string; metrics: Record<string, number> }[]).find((v) => v.id === vertexId)!.metrics[figure]!;
    const detail = await getJson(base, `/jobs/${jobId}/vertices/${vertexId}`);
    const subtasks = detail.subtasks as { metrics: Record<string, number>; "taskmanager-id": string }[];
    const inSubtasks = subtasks.reduce((n, s) => n + s.metrics[figure]!, 0);
    if ((inJob >= count && inSubtasks >= count) || Date.now() > deadline) {
      expect(inJob, `${figure} of vertex ${vertexId} in /jobs/${jobId}`).toBe(count);
      expect(inSubtasks, `${figure} of vertex ${vertexId}'s subtasks`).toBe(count);
      expect(detail.aggregated.metrics[figure].sum).toBe(count);
      for (const s of subtasks) expect(s["taskmanager-id"]).toMatch(/^tm-\d+$/);
      expect(subtasks.reduce((n, s) => n + s.metrics["accumulated-idle-time"]! + s.metrics["accumulated-busy-time"]!, 0)).toBeGreaterThan(0);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("regression #11: a bundled WebAssembly operator in the same windowed job on Durable Objects (workerd)", () => {
  let edge: EdgeDeployment;

  beforeAll(async () => {
    edge = await EdgeDeployment.start("wasm", {
      receiver: true,
      // The example uppercase-map component (AssemblyScript): ASCII letters of a record's JSON text
      // uppercased, so {"k": "k3", "v": 5, "ts": 40} becomes {"K": "K3", "V": 5, "TS": 40}.
      components: async ({ dir }) => {
        const component = path.join(dir, "uppercase-map.wasm");
        await writeFile(component, await uppercaseComponent());
        return [component];
      },
      spec: ({ receiver }) => ({
        name: "ingested wasm window sums",
        parallelism: 2,
        sources: [{ type: "ingest", name: "readings", timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 } }],
        operators: [
          { type: "wasm", kind: "map", artifact: "@uppercase-map.wasm" },
          { type: "keyBy", field: "K" },
          { type: "window", kind: "tumbling", size: WINDOW_MS },
          { type: "aggregate", fn: "sum", field: "V", as: "s" },
        ],
        sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 7 }],
        checkpointing: { interval: 200 },
      }),
    });
  }, 120_000);
  afterAll(async () => {
    await edge?.close();
  });

  it("sends the reference output of the uppercased records to the webhook, each record once", async () => {
    const { server, receiver, jobId } = edge;
    const records = readings(8, 500);
    const stats: IngestStats = { backpressured: 0, duplicates: 0, unanswered: 0 };
    const url = (): string => server.url;
    for (let i = 0; i * BATCH < records.length; i++) await postBatch(url, jobId, "readings", records.slice(i * BATCH, (i + 1) * BATCH), `batch-${i}`, stats);
    await endIngest(url, jobId, "readings");

    // The component's work done here in plain TypeScript: keys uppercased (k3 -> K3).
    const expected = windowSums(records.map((r) => ({ ...r, k: r.k.toUpperCase() })));
    await receiver.waitForRecords(expected.length);
    const job = await awaitFinished(server.url, jobId, 30_000);
    expect(job.vertices.map((v: { name: string }) => v.name).join(" ")).toMatch(/wasm|uppercase/i);
    expect(receiver.withoutKey).toBe(0);
    expect(canonicalSums(receiver.records)).toEqual(expected);
  }, 120_000);
});
