import { type DataStream, ManualClock, type StreamExecutionEnvironment, TumblingEventTimeWindows, type WindowProcessFn, type TimeWindow, WatermarkStrategy } from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { collectAsync } from "../failover.ts";
import { QueueSource, SteppedJob, arraySink } from "../manual-time.ts";
import { PacedSource } from "../paced-source.ts";
import { SeededRandom } from "../random.ts";
import { jobFinished, jobResults, submitJob } from "../deployment.ts";
import type { RunScenario } from "../scenario.ts";

/** An event-time window over ingestion timestamps: its key, bounds, and the indices of its records. */
interface Window {
  key: string;
  start: number;
  end: number;
  indices: number[];
}

const SIZE = 100;
const KEYS = 2;
const keyOf = (i: number): string => `k${i % KEYS}`;

/** Event-time tumbling windows over records stamped with the source's processing time. */
function ingestionWindows(records: DataStream<{ i: number }>, size: number): DataStream<Window> {
  const fire: WindowProcessFn<{ i: number }, Window, TimeWindow> = (key, ctx, elements, out) =>
    out.collect({ key: String(key), start: ctx.window.start, end: ctx.window.end, indices: [...elements].map((e) => e.i).sort((a, b) => a - b) });
  return records.keyBy((r) => keyOf(r.i)).window(TumblingEventTimeWindows.of(size)).process<Window>(fire);
}

/** The real-time job for worker TaskManagers and Durable Objects. */
export function realTimeIngestion(env: StreamExecutionEnvironment, params: { count: number; stepMs: number; size: number }): DataStream<Window> {
  const records = env.fromSource(new PacedSource({ count: params.count, stepMs: params.stepMs, lingerMs: 0 }), WatermarkStrategy.forIngestionTime<{ i: number }>(), "paced").setParallelism(1);
  return ingestionWindows(records, params.size);
}

/** Arrival times on the manual clock: seeded steps of 0 to 45 ms. */
function arrivals(): number[] {
  const random = new SeededRandom(1_919);
  let t = 20_000;
  return Array.from({ length: 100 }, () => (t += random.int(0, 45)));
}

/** Flink's ingestion time, computed without Eddy: a record's timestamp is the source's clock when it arrives; the bounded input's end fires every window. */
function expected(): Window[] {
  const windows = new Map<string, Window>();
  arrivals().forEach((t, i) => {
    const start = t - (t % SIZE);
    const id = `${keyOf(i)} ${start}`;
    let w = windows.get(id);
    if (w === undefined) windows.set(id, (w = { key: keyOf(i), start, end: start + SIZE, indices: [] }));
    w.indices.push(i);
  });
  return [...windows.values()];
}

/** What must hold of ingestion-time windows in real time: each record in one aligned window of its key, in arrival order. */
function realTimeDifference(windows: readonly Window[], count: number, size: number): string | undefined {
  const seen = new Map<number, number>();
  for (const w of windows) {
    if (w.end - w.start !== size || w.start % size !== 0) return `window [${w.start}, ${w.end}) is not aligned to its size ${size}`;
    for (const i of w.indices) {
      if (keyOf(i) !== w.key) return `record ${i} is in a window of key ${w.key}`;
      seen.set(i, (seen.get(i) ?? 0) + 1);
    }
  }
  for (let i = 0; i < count; i++) if (seen.get(i) !== 1) return `record ${i} is in ${seen.get(i) ?? 0} windows, expected 1`;
  for (let k = 0; k < KEYS; k++) {
    const ws = windows.filter((w) => w.key === `k${k}`).sort((a, b) => a.start - b.start);
    for (let j = 1; j < ws.length; j++) if (Math.max(...ws[j - 1]!.indices) > Math.min(...ws[j]!.indices)) return `key k${k}: window [${ws[j - 1]!.start}, ${ws[j - 1]!.end}) holds a record that arrived after one of the next window`;
  }
  return undefined;
}

/** The real-time variant's input: records paced by the system clock. */
const REAL_TIME = { count: 100, stepMs: 2, size: 50 };

/**
 * Ingestion time (Flink's IngestionTime characteristic): the source stamps each record with its
 * processing time, and event-time windows follow that clock. On the local TaskManager the clock
 * is a ManualClock, so every window's records are exact; on worker TaskManagers and Durable
 * Objects, in real time, each record must be in exactly one aligned window of its key, in
 * arrival order.
 */
const scenario: RunScenario = {
  name: "ingestion-time",
  description: "WatermarkStrategy.forIngestionTime stamps records with the source's processing time and event-time windows group them by it",
  async run(context) {
    if (context.cluster !== undefined) {
      const params = REAL_TIME;
      const env = context.environment({ parallelism: 2 });
      const stream = await context.build<Window>(env, "realTimeIngestion", params);
      const { job, results } = collectAsync(env, stream!, "ingestion time");
      await job.getJobExecutionResult();
      const difference = realTimeDifference(results, params.count, params.size);
      check(difference === undefined, `in real time: ${difference}`);
      return;
    }
    const clock = new ManualClock(0);
    const env = context.environment({ parallelism: 2, clock, autoWatermarkInterval: 10 });
    const source = new QueueSource<{ i: number }>();
    const out: Window[] = [];
    ingestionWindows(env.fromSource(source, WatermarkStrategy.forIngestionTime<{ i: number }>(), "queue").setParallelism(1), SIZE).sinkTo(arraySink(out));
    const job = await SteppedJob.open(env, clock, "ingestion time");
    const times = arrivals();
    for (let i = 0; i < times.length; i++) {
      await job.advanceTo(times[i]!);
      source.push({ i });
      await job.settle();
    }
    // The input ends: the final watermark fires every window.
    source.end();
    await job.settle();
    job.cancel();
    expectOutput(out, expected(), "unordered", "the ingestion-time windows");
  },
  // A Durable Object's clock is workerd's real one: the real-time variant, submitted over HTTP.
  async durableObjects(deployment) {
    const params = REAL_TIME;
    const id = await submitJob(deployment, { scenario: "ingestion-time", job: "realTimeIngestion", params, parallelism: 2 });
    await jobFinished(deployment.api, id);
    const results = await jobResults<Window>(deployment.api, id);
    const difference = realTimeDifference(results, params.count, params.size);
    check(difference === undefined, `in real time: ${difference}`);
  },
};
export default scenario;
