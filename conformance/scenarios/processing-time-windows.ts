import {
  type DataStream,
  ManualClock,
  SlidingProcessingTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  type WindowProcessFn,
} from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { collectAsync } from "../failover.ts";
import { QueueSource, SteppedJob, arraySink } from "../manual-time.ts";
import { PacedSource } from "../paced-source.ts";
import { SeededRandom } from "../random.ts";
import { jobFinished, jobResults, submitJob } from "../deployment.ts";
import type { RunScenario } from "../scenario.ts";

/** A window as it fired: which assigner, its key and bounds, its records' indices, and the processing time it fired at. */
interface Fired {
  kind: "tumbling" | "sliding";
  key: string;
  start: number;
  end: number;
  indices: number[];
  firedAt: number;
}

const SIZE = 100;
const SLIDE = 50;
const KEYS = 3;
const keyOf = (i: number): string => `k${i % KEYS}`;

/** Tumbling and sliding processing-time windows over the same records, keyed by `keyOf(i)`. */
function windows(records: DataStream<{ i: number }>, size: number, slide: number): DataStream<Fired> {
  const keyed = records.keyBy((r) => keyOf(r.i));
  const fire = (kind: Fired["kind"]): WindowProcessFn<{ i: number }, Fired, TimeWindow> => (key, ctx, elements, out) =>
    out.collect({ kind, key: String(key), start: ctx.window.start, end: ctx.window.end, indices: [...elements].map((e) => e.i).sort((a, b) => a - b), firedAt: ctx.currentProcessingTime });
  const tumbling = keyed.window(TumblingProcessingTimeWindows.of(size)).process<Fired>(fire("tumbling"));
  const sliding = keyed.window(SlidingProcessingTimeWindows.of(size, slide)).process<Fired>(fire("sliding"));
  return tumbling.union(sliding);
}

/** The real-time job for worker TaskManagers and Durable Objects: records paced by the system clock. */
export function realTimeWindows(env: StreamExecutionEnvironment, params: { count: number; stepMs: number; size: number; slide: number }): DataStream<Fired> {
  const records = env.fromSource(new PacedSource({ count: params.count, stepMs: params.stepMs, lingerMs: 5 * params.size }), WatermarkStrategy.noWatermarks(), "paced").setParallelism(1);
  return windows(records, params.size, params.slide);
}

/** When each record arrives, in ms of the manual clock: seeded steps of 0 to 40 ms. */
function arrivals(): number[] {
  const random = new SeededRandom(1_717);
  let t = 10_000;
  return Array.from({ length: 120 }, () => (t += random.int(0, 40)));
}

/**
 * Flink's processing-time windows, computed without Eddy: a record goes to the windows of the
 * clock time it arrives at; a window fires, with every record in it, as soon as the clock
 * reaches its end - 1. The clock ends at `finalTime`.
 */
function expected(finalTime: number): Fired[] {
  const out: Fired[] = [];
  const open = new Map<string, Fired>();
  const fireDue = (now: number): void => {
    for (const [id, w] of open) {
      if (w.end - 1 > now) continue;
      out.push({ ...w, firedAt: now });
      open.delete(id);
    }
  };
  const add = (kind: Fired["kind"], key: string, start: number, end: number, i: number): void => {
    const id = `${kind} ${key} ${start}`;
    let w = open.get(id);
    if (w === undefined) open.set(id, (w = { kind, key, start, end, indices: [], firedAt: -1 }));
    w.indices.push(i);
  };
  arrivals().forEach((t, i) => {
    fireDue(t);
    add("tumbling", keyOf(i), t - (t % SIZE), t - (t % SIZE) + SIZE, i);
    for (let start = t - (t % SLIDE); start > t - SIZE; start -= SLIDE) add("sliding", keyOf(i), start, start + SIZE, i);
    fireDue(t);
  });
  fireDue(finalTime);
  return out;
}

/** What must hold of windows that fired in real time, whatever the timing: the difference, if any. */
function realTimeDifference(fired: readonly Fired[], count: number, size: number, slide: number): string | undefined {
  for (const kind of ["tumbling", "sliding"] as const) {
    const perRecord = new Map<number, Fired[]>();
    for (const w of fired.filter((x) => x.kind === kind)) {
      if (w.end - w.start !== size || w.start % (kind === "tumbling" ? size : slide) !== 0) return `${kind} window [${w.start}, ${w.end}) is not aligned to its size ${size}${kind === "sliding" ? ` and slide ${slide}` : ""}`;
      if (w.firedAt < w.end - 1) return `${kind} window [${w.start}, ${w.end}) fired at ${w.firedAt}, before its end`;
      for (const i of w.indices) {
        if (keyOf(i) !== w.key) return `record ${i} is in a ${kind} window of key ${w.key}`;
        perRecord.set(i, [...(perRecord.get(i) ?? []), w]);
      }
    }
    const windowsPerRecord = kind === "tumbling" ? 1 : size / slide;
    for (let i = 0; i < count; i++) {
      const ws = perRecord.get(i) ?? [];
      if (ws.length !== windowsPerRecord) return `record ${i} is in ${ws.length} ${kind} windows, expected ${windowsPerRecord}`;
      const starts = ws.map((w) => w.start).sort((a, b) => a - b);
      if (starts.some((s, j) => j > 0 && s - starts[j - 1]! !== slide)) return `record ${i} is in ${kind} windows starting at ${starts.join(", ")}: not consecutive`;
    }
    // One source subtask and FIFO channels: records of a key arrive in index order, so an earlier window holds only earlier records.
    if (kind === "tumbling") {
      for (let k = 0; k < KEYS; k++) {
        const ws = fired.filter((w) => w.kind === kind && w.key === `k${k}`).sort((a, b) => a.start - b.start);
        for (let j = 1; j < ws.length; j++) if (Math.max(...ws[j - 1]!.indices) > Math.min(...ws[j]!.indices)) return `key k${k}: window [${ws[j - 1]!.start}, ${ws[j - 1]!.end}) holds a record that arrived after one of the next window`;
      }
    }
  }
  return undefined;
}

/** The real-time variant's input: records paced by the system clock. */
const REAL_TIME = { count: 100, stepMs: 2, size: 50, slide: 25 };

/**
 * Processing-time tumbling and sliding windows. On the local TaskManager the clock is a
 * ManualClock the scenario moves, so every window's records and firing time are exact. Worker
 * TaskManagers and Durable Objects keep the system clock: there the records are paced in real time and what must
 * hold whatever the timing is checked (each record in one tumbling and two sliding windows of
 * its key, aligned, consecutive, in arrival order, fired no earlier than their end).
 */
const scenario: RunScenario = {
  name: "processing-time-windows",
  description: "tumbling and sliding processing-time windows take records by the time they arrive and fire when the clock reaches their end",
  async run(context) {
    if (context.cluster !== undefined) {
      const params = REAL_TIME;
      const env = context.environment({ parallelism: 2 });
      const stream = await context.build<Fired>(env, "realTimeWindows", params);
      const { job, results } = collectAsync(env, stream!, "processing-time windows");
      await job.getJobExecutionResult();
      const difference = realTimeDifference(results, params.count, params.size, params.slide);
      check(difference === undefined, `in real time: ${difference}`);
      return;
    }
    const clock = new ManualClock(0);
    const env = context.environment({ parallelism: 2, clock });
    const source = new QueueSource<{ i: number }>();
    const out: Fired[] = [];
    windows(env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").setParallelism(1), SIZE, SLIDE).sinkTo(arraySink(out));
    const job = await SteppedJob.open(env, clock, "processing-time windows");
    const times = arrivals();
    for (let i = 0; i < times.length; i++) {
      await job.advanceTo(times[i]!);
      source.push({ i });
      await job.settle();
    }
    // Past the last window's end: everything still open fires.
    const finalTime = times.at(-1)! + 2 * SIZE;
    await job.advanceTo(finalTime);
    job.cancel();
    expectOutput(out, expected(finalTime), "unordered", "the windows that fired");
  },
  // A Durable Object's clock is workerd's real one: the real-time variant, submitted over HTTP.
  async durableObjects(deployment) {
    const params = REAL_TIME;
    const id = await submitJob(deployment, { scenario: "processing-time-windows", job: "realTimeWindows", params, parallelism: 2 });
    await jobFinished(deployment.api, id);
    const results = await jobResults<Fired>(deployment.api, id);
    const difference = realTimeDifference(results, params.count, params.size, params.slide);
    check(difference === undefined, `in real time: ${difference}`);
  },
};
export default scenario;
