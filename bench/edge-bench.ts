/**
 * `npm run bench -- edge` (Node only: it bundles a Worker and runs it in workerd from npm, with
 * Durable Object storage on disk):
 * - ingest throughput: a windowed job (sums per key and 1 s window, parallelism 2) fed through
 *   its HTTP ingest source in batches of 1 000 records by 4 concurrent clients, until its end,
 *   against the same job on Node (`eddy serve` in-process) given the same records inline;
 * - the per-record cost of an RPC channel: numbers through a hash exchange at parallelism 2 with
 *   every subtask in its own TaskManager object (about half the records cross objects by RPC)
 *   against the same job with both subtasks in one object (local channels).
 * Times are the jobs' own durations as the API reports them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleEdge } from "../bin/bundle.ts";
import { startServer } from "../bin/serve.ts";
import { awaitJob, postJson } from "../adapters/workerd/testing/edge-client.ts";
import { EdgeServer } from "../adapters/workerd/testing/edge-server.ts";
import { type IngestStats, endIngest, postBatch } from "../adapters/workerd/testing/ingest-client.ts";
import { readings, windowSumOperators } from "../adapters/workerd/testing/window-sums.ts";
import type { BenchRow } from "./harness.ts";

const INGESTED = Number(process.env.EDDY_EDGE_BENCH_RECORDS ?? 20_000);
const EXCHANGED = Number(process.env.EDDY_EDGE_BENCH_EXCHANGED ?? 200_000);
const BATCH = 1_000;
const CLIENTS = 4;

async function submitted(base: string, body: unknown): Promise<string> {
  const answer = await postJson(base, "/jobs", body);
  if (answer.status !== 202) throw new Error(`[bench] POST /jobs: HTTP ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json.jobid as string;
}

async function finishedIn(base: string, id: string): Promise<number> {
  const job = await awaitJob(base, id, ["FINISHED", "FAILED", "CANCELED"], 600_000);
  if (job.state !== "FINISHED") throw new Error(`[bench] job ${id} ended ${job.state}`);
  return job.duration as number;
}

async function ingestOnEdge(edge: EdgeServer, records: readonly unknown[]): Promise<number> {
  const id = await submitted(edge.url, { name: "ingest bench", parallelism: 2, sources: [{ type: "ingest", name: "in", timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 } }], operators: windowSumOperators, sinks: [{ type: "collect" }] });
  const stats: IngestStats = { backpressured: 0, duplicates: 0, unanswered: 0 };
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let b = next++; b * BATCH < records.length; b = next++) await postBatch(() => edge.url, id, "in", records.slice(b * BATCH, (b + 1) * BATCH), `b${b}`, stats);
    }),
  );
  await endIngest(() => edge.url, id, "in");
  await finishedIn(edge.url, id);
  return Date.now() - started;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "eddy-edge-bench-"));
  const jobs = fileURLToPath(new URL("./edge-jobs.ts", import.meta.url));
  const edge = await EdgeServer.start(await bundleEdge({ modules: { "edge-jobs": jobs }, outDir: path.join(dir, "worker") }));
  const node = await startServer({ port: 0, taskManagers: 0, dataDir: path.join(dir, "node"), quiet: true });
  try {
    const records = readings(1, INGESTED);
    const edgeMs = await ingestOnEdge(edge, records);
    const nodeId = await submitted(node.url, { name: "inline bench", parallelism: 2, sources: [{ type: "collection", records, timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 } }], operators: windowSumOperators, sinks: [{ type: "collect" }] });
    const nodeMs = await finishedIn(node.url, nodeId);
    const row: BenchRow = {
      name: "window sums fed by HTTP ingest (workerd) vs inline on Node",
      runtime: "workerd",
      events: INGESTED,
      eddyEventsPerSecond: (INGESTED / edgeMs) * 1000,
      baselineEventsPerSecond: (INGESTED / nodeMs) * 1000,
      ratio: nodeMs / edgeMs,
      note: `batches of ${BATCH} by ${CLIENTS} clients, durable before answered; Node: the same job given the records in its spec`,
    };
    console.log(JSON.stringify(row));

    const exchange = (taskManagers: number) => submitted(edge.url, { name: `exchange ${taskManagers}`, job: { module: "edge-jobs", export: "exchange", params: { count: EXCHANGED } }, parallelism: 2, taskManagers, resultsCapacity: 0 });
    const localMs = await finishedIn(edge.url, await exchange(1));
    const rpcMs = await finishedIn(edge.url, await exchange(2));
    const perRecordUs = ((rpcMs - localMs) * 1000) / (EXCHANGED / 2);
    const rpcRow: BenchRow = {
      name: "hash exchange across TaskManager objects (RPC) vs in one object",
      runtime: "workerd",
      events: EXCHANGED,
      eddyEventsPerSecond: (EXCHANGED / rpcMs) * 1000,
      baselineEventsPerSecond: (EXCHANGED / localMs) * 1000,
      ratio: localMs / rpcMs,
      note: `about ${perRecordUs.toFixed(2)} µs more per record crossing objects (half of them do)`,
    };
    console.log(JSON.stringify(rpcRow));
  } finally {
    await node.close();
    await edge.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
