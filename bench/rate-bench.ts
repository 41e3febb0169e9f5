/**
 * `npm run bench -- rate`: a job whose sink slows down mid-run, with Spark's rate controller on
 * its source and with Flink's credits only, side by side in one run.
 *
 * generator (as fast as it may) -> rebalance -> sink that spends `costUs` per record: 10 µs for
 * the first phase (about 100 k records/s), then 40 µs (about 25 k/s). Every record carries the
 * time it was created; the sink measures its end-to-end latency. Reported per configuration, over
 * the last seconds of the slow phase: the source's rate against the sink's capacity (the records
 * it took per second of its busy time: what it would take if its queue never ran dry), the latency (p50, p99), how long records
 * waited in the channel and how much of the time the source was backpressured (Flink's measure of
 * a full queue).
 */
import { type BenchRow, runtimeName } from "./harness.ts";
import { StreamExecutionEnvironment } from "../core/index.ts";

const g = globalThis as { process?: { env: Record<string, string | undefined> } };
const scale = Number(g.process?.env.EDDY_BENCH_SCALE ?? "1");
const FAST_US = 10;
const SLOW_US = 40;
const FAST_MS = 3_000 * Math.max(0.5, scale);
const SLOW_MS = 6_000 * Math.max(0.5, scale);
const MEASURE_MS = 2_000 * Math.max(0.5, scale);

interface Phase {
  costUs: number;
}

interface Observed {
  /** Source records/s over the measured window. */
  sourceRate: number;
  /** Sink records/s over the measured window. */
  sinkRate: number;
  /** Sink records per second of its busy time over the measured window: its capacity. */
  sinkCapacity: number;
  p50: number;
  p99: number;
  /** Average wait in the channel before the sink, ms. */
  queueMs: number;
  /** Time the source was backpressured, ms per second. */
  backPressuredMsPerSecond: number;
  controllerRate: number | undefined;
}

function busy(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

async function run(controlled: boolean): Promise<Observed> {
  const phase: Phase = { costUs: FAST_US };
  const latencies: { at: number; ms: number }[] = [];
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  let source = env.fromGenerator({ generate: () => performance.now() }, undefined, "events");
  if (controlled) source = source.setRateController({ intervalMs: 500, minRate: 1_000 });
  source
    .rebalance()
    .sinkTo({
      createWriter: () => ({
        write: (created: number) => {
          busy(phase.costUs);
          const now = performance.now();
          latencies.push({ at: now, ms: now - created });
        },
        flush: () => {},
      }),
    });
  const job = env.executeAsync(controlled ? "rate controlled" : "credits only");
  await new Promise((r) => setTimeout(r, FAST_MS));
  phase.costUs = SLOW_US;
  await new Promise((r) => setTimeout(r, SLOW_MS - MEASURE_MS));
  const startMetrics = job.metrics();
  const from = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const endMetrics = job.metrics();
  const to = performance.now();
  const controller = job.rateControllers().get(job.executionGraph.jobGraph.vertices[0]!.id);
  await job.cancel();
  const seconds = (to - from) / 1000;
  const sourceOf = (m: typeof startMetrics) => m.vertices[0]!.subtasks[0]!.recordsOut;
  const sinkOf = (m: typeof startMetrics) => m.vertices[1]!.subtasks[0]!.recordsIn;
  const sinkBusy = (m: typeof startMetrics) => m.vertices[1]!.subtasks[0]!.busyMs ?? 0;
  const queued = (m: typeof startMetrics) => m.vertices[1]!.subtasks[0]!;
  const backPressured = (m: typeof startMetrics) => m.vertices[0]!.subtasks[0]!.backPressuredMs ?? 0;
  const waited = (queued(endMetrics).queueWaitedMs ?? 0) - (queued(startMetrics).queueWaitedMs ?? 0);
  const taken = (queued(endMetrics).queueTaken ?? 0) - (queued(startMetrics).queueTaken ?? 0);
  const window = latencies.filter((l) => l.at >= from && l.at <= to).map((l) => l.ms).sort((a, b) => a - b);
  const at = (p: number): number => window[Math.min(window.length - 1, Math.floor(p * window.length))] ?? Number.NaN;
  return {
    sourceRate: (sourceOf(endMetrics) - sourceOf(startMetrics)) / seconds,
    sinkRate: (sinkOf(endMetrics) - sinkOf(startMetrics)) / seconds,
    sinkCapacity: (sinkOf(endMetrics) - sinkOf(startMetrics)) / ((sinkBusy(endMetrics) - sinkBusy(startMetrics)) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    queueMs: taken > 0 ? waited / taken : 0,
    backPressuredMsPerSecond: (backPressured(endMetrics) - backPressured(startMetrics)) / seconds,
    controllerRate: controller?.state().rate,
  };
}

const nominal = 1_000_000 / SLOW_US;
const credits = await run(false);
const controlled = await run(true);
for (const [name, o] of [["credits only", credits], ["rate controller (PID, Spark's gains)", controlled]] as const) {
  const row: BenchRow = {
    name: `sink slows from ${1_000_000 / FAST_US / 1000} k/s to ${nominal / 1000} k/s: ${name}`,
    runtime: runtimeName(),
    events: Math.round(o.sinkRate * (MEASURE_MS / 1000)),
    eddyEventsPerSecond: Math.round(o.sourceRate),
    baselineEventsPerSecond: Math.round(o.sinkCapacity),
    ratio: Math.round((o.sourceRate / o.sinkCapacity) * 100) / 100,
    note: `source rate / sink capacity over the last ${MEASURE_MS / 1000} s; latency p50 ${o.p50.toFixed(1)} ms, p99 ${o.p99.toFixed(1)} ms; channel wait ${o.queueMs.toFixed(2)} ms; source backpressured ${Math.round(o.backPressuredMsPerSecond)} ms/s${o.controllerRate !== undefined ? `; controller rate ${Math.round(o.controllerRate)}/s` : ""}`,
  };
  console.log(JSON.stringify(row));
}
const exit = (globalThis as { Deno?: { exit(code: number): never } }).Deno?.exit ?? ((code: number) => (globalThis as unknown as { process: { exit(code: number): never } }).process.exit(code));
exit(0);
