/**
 * `npm run bench -- http`: requests/s and latency of `GET /jobs/overview` while a windowed job
 * runs (20 000 events/s) in the server. bench/run.ts starts this file on Node, Deno and Bun; it
 * serves the API in-process on that runtime and drives the load from a separate Node process
 * (autocannon's CLI), so the load generator never shares the server's event loop.
 * Prints one BenchRow: events = requests served, "Eddy events/s" = requests/s, the latencies
 * and the job's own rate in the note. A second row measures the collect sink's result buffer
 * (what `GET /jobs/:jobid/results` reads) against a plain array push that keeps every record.
 *
 * EDDY_HTTP_BENCH_SECONDS (default 5) and EDDY_HTTP_BENCH_CONNECTIONS (default 50) set the load.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../bin/serve.ts";
import { ResultBuffer } from "../server/result-buffer.ts";
import { type BenchRow, runCommand, runtimeName } from "./harness.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const seconds = Number(process.env.EDDY_HTTP_BENCH_SECONDS ?? 5);
const connections = Number(process.env.EDDY_HTTP_BENCH_CONNECTIONS ?? 50);
const eventsPerSecond = 20_000;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

/** Runs autocannon's CLI under Node (npm's node, else `node` on PATH) and parses its JSON. */
async function autocannon(url: string, duration: number): Promise<AutocannonResult> {
  const node = process.env.npm_node_execpath ?? (runtimeName() === "node" ? process.execPath : "node");
  const cli = path.join(root, "node_modules", "autocannon", "autocannon.js");
  const { code, out, err } = await runCommand(node, [cli, "--json", "-c", String(connections), "-d", String(duration), url]);
  if (code !== 0) throw new Error(`[eddy] autocannon exited with ${code}: ${err.trim()}`);
  try {
    return JSON.parse(out.trim().split("\n").pop()!) as AutocannonResult;
  } catch (error) {
    throw new Error(`[eddy] autocannon printed no JSON: ${String(error)}\n${out}${err}`);
  }
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`[eddy] ${init?.method ?? "GET"} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

const spec = {
  name: "bench page counts",
  parallelism: 2,
  sources: [{ type: "generator", shape: "page-views", ratePerSecond: eventsPerSecond, watermark: { maxOutOfOrdernessMs: 500 } }],
  operators: [
    { type: "keyBy", field: "page" },
    { type: "window", kind: "tumbling", size: 1000 },
    { type: "aggregate", fn: "count", as: "views" },
  ],
  sinks: [{ type: "collect", maxRecords: 1000 }],
  checkpointing: { interval: 1000 },
};

/** Keeping the newest `capacity` of `records` records, best of five, next to Array#push of them all. */
function resultBufferRow(records: number, capacity: number): BenchRow {
  const values = Array.from({ length: records }, (_, i) => ({ i }));
  let kept: unknown[] = [];
  let expected: unknown[] = [];
  const eddy = (): number => {
    const t = performance.now();
    const buffer = new ResultBuffer(capacity);
    for (const v of values) buffer.push(v);
    kept = buffer.slice();
    return performance.now() - t;
  };
  const baseline = (): number => {
    const t = performance.now();
    const all: unknown[] = [];
    for (const v of values) all.push(v);
    expected = all.slice(-capacity);
    return performance.now() - t;
  };
  let eddyMs = Number.POSITIVE_INFINITY;
  let baseMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    eddyMs = Math.min(eddyMs, eddy());
    baseMs = Math.min(baseMs, baseline());
  }
  if (kept.length !== expected.length || kept.some((v, i) => v !== expected[i])) throw new Error("[bench] the result buffer kept other records than the newest ones in order");
  const eddyRate = (records / eddyMs) * 1000;
  const baseRate = (records / baseMs) * 1000;
  return {
    name: `collect sink results: ${records.toLocaleString("en-US")} records, newest ${capacity.toLocaleString("en-US")} kept`,
    runtime: runtimeName(),
    events: records,
    eddyEventsPerSecond: Math.round(eddyRate),
    baselineEventsPerSecond: Math.round(baseRate),
    ratio: Math.round((eddyRate / baseRate) * 100) / 100,
    note: "baseline: Array#push keeping every record",
  };
}

const dataDir = await mkdtemp(path.join(tmpdir(), "eddy-http-bench-"));
const server = await startServer({ port: 0, quiet: true, dataDir });
try {
  const { jobid } = await json(`${server.url}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  await new Promise((r) => setTimeout(r, 1500));
  await autocannon(`${server.url}/jobs/overview`, 1); // warm-up
  const result = await autocannon(`${server.url}/jobs/overview`, seconds);
  const [rate] = await json(`${server.url}/jobs/${jobid}/metrics?get=sourceRecordsPerSecond`);
  const job = await json(`${server.url}/jobs/${jobid}`);
  const errors = result.errors + result.non2xx;
  const row: BenchRow = {
    name: `http GET /jobs/overview (${connections} conn, job running)`,
    runtime: runtimeName(),
    events: result.requests.total,
    eddyEventsPerSecond: result.requests.average,
    baselineEventsPerSecond: 0,
    ratio: 0,
    note: `requests/s; p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; job ${job.state} at ${Math.round(Number(rate?.value ?? 0))} events/s${errors > 0 ? `; ${errors} errors` : ""}`,
  };
  console.log(JSON.stringify(row));
  console.log(JSON.stringify(resultBufferRow(300_000, 10_000)));
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
