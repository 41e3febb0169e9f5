import { ManualClock, TumblingEventTimeWindows, type TimeWindow, WatermarkStrategy, type WindowProcessFn } from "../../core/index.ts";
import { expectOutput } from "../checks.ts";
import { QueueSource, SteppedJob, arraySink } from "../manual-time.ts";
import type { RunScenario } from "../scenario.ts";

interface Reading {
  key: string;
  ts: number;
}

interface Window {
  key: string;
  start: number;
  count: number;
}

const SIZE = 100;
const IDLE_AFTER = 100;
const TICK = 10;

/** The windows of `readings` whose end - 1 is at most `watermark`, counted without Eddy. */
function firedBy(readings: readonly Reading[], watermark: number): Window[] {
  const windows = new Map<string, Window>();
  for (const r of readings) {
    const start = r.ts - (r.ts % SIZE);
    if (start + SIZE - 1 > watermark) continue;
    const id = `${r.key} ${start}`;
    windows.set(id, { key: r.key, start, count: (windows.get(id)?.count ?? 0) + 1 });
  }
  return [...windows.values()];
}

/**
 * Flink's source idleness: two sources feed keyed event-time windows, and the windows' watermark
 * is the smaller of theirs, so a source that stops sending holds every window back. Marked idle
 * after `withIdleness(100)` ms of processing time without records, it no longer counts, and the
 * other source's watermark alone fires the windows. The clock is a ManualClock, so "before" and
 * "after" the timeout are exact.
 */
const scenario: RunScenario = {
  name: "source-idleness",
  description: "a source without records for its idle timeout stops holding back the watermark, so windows fire on the other source's event time",
  skip: (context) =>
    context.cluster === undefined
      ? undefined
      : "idleness is decided by processing time, and worker TaskManagers keep the system clock: the moment a source turns idle would depend on scheduling, so this runs on the local TaskManager with a ManualClock",
  durableObjects:
    "idleness is decided by processing time, and a Durable Object's clock is workerd's real clock: the moment a source turns idle would depend on scheduling, so this runs on the local TaskManager with a ManualClock",
  async run(context) {
    const clock = new ManualClock(0);
    const env = context.environment({ parallelism: 1, clock, autoWatermarkInterval: TICK });
    const strategy = () => WatermarkStrategy.forBoundedOutOfOrderness<Reading>(0).withTimestampAssigner((r) => r.ts).withIdleness(IDLE_AFTER);
    const busy = new QueueSource<Reading>();
    const quiet = new QueueSource<Reading>();
    const count: WindowProcessFn<Reading, Window, TimeWindow> = (key, ctx, elements, out) => out.collect({ key: String(key), start: ctx.window.start, count: [...elements].length });
    const out: Window[] = [];
    env
      .fromSource(busy, strategy(), "busy")
      .union(env.fromSource(quiet, strategy(), "quiet"))
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .process(count)
      .sinkTo(arraySink(out));
    const job = await SteppedJob.open(env, clock, "source idleness");
    const sent: Reading[] = [];
    // Both sources send one reading per tick, event time = processing time, until the quiet one stops at 200.
    const send = async (now: number): Promise<void> => {
      const b = { key: "busy", ts: now };
      busy.push(b);
      sent.push(b);
      if (now <= 200) {
        const q = { key: "quiet", ts: now };
        quiet.push(q);
        sent.push(q);
      }
      await job.settle();
      await job.advanceTo(now + TICK);
    };
    let now = 0;
    for (; now <= 300; now += TICK) await send(now);
    // About 100 ms of silence, not more than the timeout: the quiet source's watermark (199) still
    // holds back the busy source's window [200, 300), which its watermark (299) would fire.
    expectOutput([...out], firedBy(sent, 200 - 1), "unordered", "the windows fired while the quiet source is not yet idle");
    for (; now <= 500; now += TICK) await send(now);
    // Idle now: the busy source's watermark (its last reading - 1) fires the windows alone.
    expectOutput([...out], firedBy(sent, now - TICK - 1), "unordered", "the windows fired once the quiet source is idle");
    job.cancel();
  },
};
export default scenario;
