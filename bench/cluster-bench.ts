/**
 * `npm run bench -- cluster`: jobs on the local TaskManager (this isolate) against worker
 * TaskManagers of this runtime, side by side in one run:
 *
 * - throughput of a keyed window count and Nexmark q5 and q8 on the local TaskManager, on 1
 *   worker TaskManager, on 2 and on N (EDDY_BENCH_TASK_MANAGERS, default the number of cores),
 *   each with one slot per worker and the parallelism of its slots; the ratio of a row is its
 *   throughput over the row before it (the scaling of 2 workers is over 1 worker);
 * - the cost of one exchange across isolates per record: the same job with every record sent to
 *   the other TaskManager, and with every record kept on its own;
 * - end-to-end latency, source -> keyBy across workers -> sink, at 1 k, 10 k and 100 k records/s;
 * - `GET /jobs/overview` latency while a job saturates the workers, and while the same job runs
 *   in the server's own isolate.
 *
 * Prints BenchRow JSON lines. Results are checked: a row whose output differs from the local
 * run's (or from Nexmark's baseline) fails the benchmark.
 */
import os from "node:os";
import { StreamExecutionEnvironment, type WorkerCluster } from "../core/index.ts";
import { createApp, JobRegistry } from "../server/index.ts";
import { type BenchRow, runtimeName } from "./harness.ts";
import { type RunParams, type Summary, summaries } from "./cluster-jobs.ts";
import { nexmarkGenerator } from "./nexmark/generator.ts";
import { QUERIES, runBaseline } from "./nexmark/suite.ts";

const runtime = runtimeName();
const jobs = new URL("./cluster-jobs.ts", import.meta.url).href;
const g = globalThis as { process?: { env: Record<string, string | undefined> } };
const scale = Number(g.process?.env.EDDY_BENCH_SCALE ?? "1");
const many = Number(g.process?.env.EDDY_BENCH_TASK_MANAGERS ?? (os.availableParallelism?.() ?? os.cpus().length));

const adapters = { node: "../adapters/node/index.ts", deno: "../adapters/deno/index.ts", bun: "../adapters/bun/index.ts" } as const;
const adapter = (await import(adapters[runtime as keyof typeof adapters])) as {
  workerCluster(options: { taskManagers: number; slotsPerTaskManager: number }): Promise<WorkerCluster>;
  serve(app: { fetch: (r: Request) => Response | Promise<Response> }, options: { port: number; hostname: string }): Promise<{ url: string; close(): Promise<void> }>;
};

let runs = 0;

/** Runs job `name` with `params` on `cluster` (or in this isolate); returns its wall time and summary. */
async function run(name: string, params: Omit<RunParams, "run"> & Record<string, unknown>, parallelism: number, cluster: WorkerCluster | undefined): Promise<{ ms: number; summary: Summary }> {
  const id = `${name}-${runs++}`;
  const env = StreamExecutionEnvironment.create({ parallelism, ...(cluster !== undefined ? { cluster } : {}) });
  const ref = { module: jobs, export: name, params: { ...params, run: id } };
  await env.build(ref);
  const started = performance.now();
  await env.execute(`${name} ${id}`);
  const ms = performance.now() - started;
  const summary = summaries.get(id)!;
  summaries.delete(id);
  return { ms, summary };
}

/** Best of two runs. */
async function best(name: string, params: Omit<RunParams, "run"> & Record<string, unknown>, parallelism: number, cluster: WorkerCluster | undefined): Promise<{ ms: number; summary: Summary }> {
  const a = await run(name, params, parallelism, cluster);
  const b = await run(name, params, parallelism, cluster);
  return a.ms <= b.ms ? a : b;
}

function same(a: Summary, b: Summary): boolean {
  return a.count === b.count && a.checksum === b.checksum;
}

function row(name: string, events: number, ms: number, baselineMs: number, note: string): BenchRow {
  const eddy = (events / ms) * 1000;
  const baseline = (events / baselineMs) * 1000;
  return { name, runtime, events, eddyEventsPerSecond: Math.round(eddy), baselineEventsPerSecond: Math.round(baseline), ratio: Math.round((eddy / baseline) * 100) / 100, note };
}

const clusters = new Map<number, WorkerCluster>();
async function clusterOf(taskManagers: number): Promise<WorkerCluster> {
  let c = clusters.get(taskManagers);
  if (c === undefined) clusters.set(taskManagers, (c = await adapter.workerCluster({ taskManagers, slotsPerTaskManager: 1 })));
  return c;
}

/** Throughput on the local TaskManager and on 1, 2 and N workers. */
async function scaling(title: string, name: string, params: Omit<RunParams, "run"> & Record<string, unknown>, check: (s: Summary) => string | undefined): Promise<void> {
  const events = params.events;
  await run(name, { ...params, events: Math.round(events / 10) }, 1, undefined);
  const local = await best(name, params, 1, undefined);
  const problem = check(local.summary);
  if (problem !== undefined) throw new Error(`[bench] ${title} on the local TaskManager: ${problem}`);
  console.log(JSON.stringify(row(`${title}: local TaskManager, parallelism 1`, events, local.ms, local.ms, `${local.summary.count} results (the reference for the rows below)`)));
  let previous = local;
  let previousLabel = "the local TaskManager";
  for (const n of [...new Set([1, 2, many])]) {
    const cluster = await clusterOf(n);
    await run(name, { ...params, events: Math.round(events / 10) }, n, cluster);
    const r = await best(name, params, n, cluster);
    if (!same(r.summary, local.summary)) throw new Error(`[bench] ${title} on ${n} workers: ${r.summary.count} results (checksum ${r.summary.checksum}), the local run had ${local.summary.count} (${local.summary.checksum})`);
    console.log(JSON.stringify(row(`${title}: ${n} worker TaskManager${n > 1 ? "s" : ""}, parallelism ${n}`, events, r.ms, previous.ms, `ratio over ${previousLabel}; same results`)));
    previous = r;
    previousLabel = `${n} worker${n > 1 ? "s" : ""}`;
  }
}

await scaling("keyed window count", "windowCount", { events: Math.round(4_000_000 * scale), keys: 100 }, () => undefined);
for (const q of ["q5", "q8"]) {
  const query = QUERIES.find((x) => x.name === q)!;
  const events = Math.round(1_500_000 * scale);
  const base = runBaseline(query, nexmarkGenerator({ count: events, seed: 7 }));
  await scaling(`nexmark ${q} ${query.title}`, "nexmark", { events, query: q, seed: 7 }, (s) => (same(s, { ...base, latencies: [] }) ? undefined : `${s.count} results (checksum ${s.checksum}), the baseline has ${base.count} (${base.checksum})`));
}

// One exchange across isolates per record: every record to the other TaskManager, or to its own.
{
  const two = await clusterOf(2);
  const events = Math.round(4_000_000 * scale);
  await run("exchange", { events: events / 10, cross: true }, 2, two);
  const crossing = await best("exchange", { events, cross: true }, 2, two);
  const staying = await best("exchange", { events, cross: false }, 2, two);
  const perRecordUs = ((crossing.ms - staying.ms) * 1000) / events;
  console.log(JSON.stringify(row("one exchange across isolates (2 workers): every record crosses, against none", events, crossing.ms, staying.ms, `${perRecordUs.toFixed(3)} µs per record crossing (2 subtasks in parallel)`)));
}

// End-to-end latency: source -> keyBy across workers -> sink.
for (const rate of [1_000, 10_000, 100_000]) {
  const two = await clusterOf(2);
  const events = Math.max(2_000, Math.round(rate * 3 * Math.min(1, scale)));
  const r = await run("latency", { events, ratePerSecond: rate }, 2, two);
  const l = r.summary.latencies.slice(Math.floor(r.summary.latencies.length / 10)).sort((a, b) => a - b);
  const at = (p: number): number => l[Math.min(l.length - 1, Math.floor(p * l.length))]!;
  console.log(JSON.stringify({ ...row(`end-to-end latency at ${rate / 1000} k records/s (2 workers, keyBy across them)`, events, r.ms, (events / rate) * 1000, `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms`), p50Ms: at(0.5), p99Ms: at(0.99) }));
}

/** Sequential `GET /jobs/overview` for `ms` while `job` runs; returns requests/s and p50/p99. */
async function overviewLatency(cluster: WorkerCluster | undefined, ms: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const registry = new JobRegistry();
  const app = createApp({ registry });
  const server = await adapter.serve(app, { port: 0, hostname: "127.0.0.1" });
  const env = StreamExecutionEnvironment.create({ parallelism: cluster === undefined ? 2 : 2, ...(cluster !== undefined ? { cluster } : {}) });
  await env.build({ module: jobs, export: "windowCount", params: { run: `overview-${runs++}`, events: 1_000_000_000, keys: 100 } });
  const job = env.executeAsync("saturating window count");
  registry.add(job);
  await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const t = performance.now();
    const res = await fetch(`${server.url}/jobs/overview`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
  }
  await job.cancel();
  await server.close();
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { perSecond: (latencies.length / ms) * 1000, p50: at(0.5), p99: at(0.99) };
}

{
  const seconds = 3_000;
  const onWorkers = await overviewLatency(await clusterOf(2), seconds);
  const inServer = await overviewLatency(undefined, seconds);
  console.log(
    JSON.stringify({
      name: "GET /jobs/overview while a window count saturates the job's TaskManagers (2 workers vs in the server's isolate)",
      runtime,
      events: Math.round(onWorkers.perSecond * (seconds / 1000)),
      eddyEventsPerSecond: Math.round(onWorkers.perSecond),
      baselineEventsPerSecond: Math.round(inServer.perSecond),
      ratio: Math.round((onWorkers.perSecond / inServer.perSecond) * 100) / 100,
      note: `requests/s; p50 ${onWorkers.p50.toFixed(2)} ms, p99 ${onWorkers.p99.toFixed(2)} ms on workers; p50 ${inServer.p50.toFixed(2)} ms, p99 ${inServer.p99.toFixed(2)} ms in the server's isolate`,
      p99Ms: onWorkers.p99,
    } satisfies BenchRow & { p99Ms: number }),
  );
}

for (const c of clusters.values()) await c.close();
const exit = (globalThis as { Deno?: { exit(code: number): never } }).Deno?.exit ?? ((code: number) => (globalThis as unknown as { process: { exit(code: number): never } }).process.exit(code));
exit(0);
