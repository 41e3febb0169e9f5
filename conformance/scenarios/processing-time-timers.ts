import { type DataStream, type KeyedProcessFunction, ManualClock, type StreamExecutionEnvironment, ValueStateDescriptor, WatermarkStrategy } from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { collectAsync } from "../failover.ts";
import { QueueSource, SteppedJob, arraySink } from "../manual-time.ts";
import { PacedSource } from "../paced-source.ts";
import { SeededRandom } from "../random.ts";
import { jobFinished, jobResults, submitJob } from "../deployment.ts";
import type { RunScenario } from "../scenario.ts";

/** A timer registered (`fired` undefined) or fired: its key, its time, the key's count then, and the processing time it fired at. */
interface TimerEvent {
  key: string;
  at: number;
  count: number;
  fired?: number;
}

const KEYS = 3;
const keyOf = (i: number): string => `k${i % KEYS}`;

/**
 * Counts records per key in ValueState; each record registers a processing-time timer `delayMs`
 * after its arrival and says so; each timer reports the key's count when it fires.
 */
function timers(records: DataStream<{ i: number }>, delayMs: number): DataStream<TimerEvent> {
  const count = new ValueStateDescriptor<number>("count", 0);
  const fn: KeyedProcessFunction<string, { i: number }, TimerEvent> = {
    processElement(_record, ctx, out) {
      const state = ctx.getState(count);
      state.update(state.value()! + 1);
      const at = ctx.timerService().currentProcessingTime() + delayMs;
      ctx.timerService().registerProcessingTimeTimer(at);
      out.collect({ key: ctx.getCurrentKey(), at, count: state.value()! });
    },
    onTimer(timestamp, ctx, out) {
      out.collect({ key: ctx.getCurrentKey(), at: timestamp, count: ctx.getState(count).value()!, fired: ctx.timerService().currentProcessingTime() });
    },
  };
  return records.keyBy((r) => keyOf(r.i)).process(fn);
}

/** The real-time job for worker TaskManagers and Durable Objects. */
export function realTimeTimers(env: StreamExecutionEnvironment, params: { count: number; stepMs: number; delayMs: number }): DataStream<TimerEvent> {
  return timers(env.fromSource(new PacedSource({ count: params.count, stepMs: params.stepMs, lingerMs: 10 * params.delayMs }), WatermarkStrategy.noWatermarks(), "paced").setParallelism(1), params.delayMs);
}

const DELAY = 50;

/** Arrival times on the manual clock: seeded steps of 0 to 30 ms, so timers of a key overlap and coincide. */
function arrivals(): number[] {
  const random = new SeededRandom(1_818);
  let t = 5_000;
  return Array.from({ length: 150 }, () => (t += random.int(0, 30)));
}

/**
 * Flink's processing-time timers, computed without Eddy: one timer per key and time (a second
 * registration of the same one is no new timer); a timer fires once the clock reaches its time,
 * seeing the state of that moment. The clock ends at `finalTime`.
 */
function expected(finalTime: number): TimerEvent[] {
  const out: TimerEvent[] = [];
  const counts = new Map<string, number>();
  const pending = new Map<string, { key: string; at: number }>();
  const fireDue = (now: number): void => {
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > now) continue;
      out.push({ key: t.key, at: t.at, count: counts.get(t.key) ?? 0, fired: now });
      pending.delete(id);
    }
  };
  arrivals().forEach((now, i) => {
    fireDue(now);
    const key = keyOf(i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    pending.set(`${key}@${now + DELAY}`, { key, at: now + DELAY });
    out.push({ key, at: now + DELAY, count: counts.get(key)! });
  });
  fireDue(finalTime);
  return out;
}

/** What must hold of timers in real time: every one registered fires once, no earlier than its time. */
function realTimeDifference(events: readonly TimerEvent[], count: number): string | undefined {
  const registered = events.filter((e) => e.fired === undefined);
  if (registered.length !== count) return `${registered.length} records registered a timer, expected ${count}`;
  const wanted = new Set(registered.map((e) => `${e.key}@${e.at}`));
  const fired = events.filter((e) => e.fired !== undefined);
  const seen = new Set<string>();
  for (const e of fired) {
    const id = `${e.key}@${e.at}`;
    if (!wanted.has(id)) return `a timer fired that was never registered: ${id}`;
    if (seen.has(id)) return `timer ${id} fired twice`;
    if (e.fired! < e.at) return `timer ${id} fired at ${e.fired}, before its time`;
    seen.add(id);
  }
  const missing = [...wanted].filter((id) => !seen.has(id));
  return missing.length === 0 ? undefined : `${missing.length} timers never fired, e.g. ${missing.slice(0, 3).join(", ")}`;
}

/** The real-time variant's input: records paced by the system clock. */
const REAL_TIME = { count: 100, stepMs: 2, delayMs: 25 };

/**
 * Processing-time timers of a KeyedProcessFunction. On the local TaskManager the clock is a
 * ManualClock the scenario moves: every timer fires exactly when the clock reaches it, seeing
 * the state of that moment. Worker TaskManagers and Durable Objects keep the system clock:
 * there every registered timer must fire exactly once, and not before its time.
 */
const scenario: RunScenario = {
  name: "processing-time-timers",
  description: "processing-time timers of a keyed process function fire once each, when the clock reaches them, and see the keyed state of that moment",
  async run(context) {
    if (context.cluster !== undefined) {
      const params = REAL_TIME;
      const env = context.environment({ parallelism: 2 });
      const stream = await context.build<TimerEvent>(env, "realTimeTimers", params);
      const { job, results } = collectAsync(env, stream!, "processing-time timers");
      await job.getJobExecutionResult();
      const difference = realTimeDifference(results, params.count);
      check(difference === undefined, `in real time: ${difference}`);
      return;
    }
    const clock = new ManualClock(0);
    const env = context.environment({ parallelism: 2, clock });
    const source = new QueueSource<{ i: number }>();
    const out: TimerEvent[] = [];
    timers(env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").setParallelism(1), DELAY).sinkTo(arraySink(out));
    const job = await SteppedJob.open(env, clock, "processing-time timers");
    const times = arrivals();
    for (let i = 0; i < times.length; i++) {
      await job.advanceTo(times[i]!);
      source.push({ i });
      await job.settle();
    }
    const finalTime = times.at(-1)! + 2 * DELAY;
    await job.advanceTo(finalTime);
    job.cancel();
    expectOutput(out, expected(finalTime), "unordered", "the timers registered and fired");
  },
  // A Durable Object's clock is workerd's real one: the real-time variant, submitted over HTTP.
  async durableObjects(deployment) {
    const params = REAL_TIME;
    const id = await submitJob(deployment, { scenario: "processing-time-timers", job: "realTimeTimers", params, parallelism: 2 });
    await jobFinished(deployment.api, id);
    const results = await jobResults<TimerEvent>(deployment.api, id);
    const difference = realTimeDifference(results, params.count);
    check(difference === undefined, `in real time: ${difference}`);
  },
};
export default scenario;
