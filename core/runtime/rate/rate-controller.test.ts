import { describe, expect, test } from "vitest";
import { ManualClock, StreamExecutionEnvironment } from "../../index.ts";
import type { JobMetrics, SubtaskMetrics } from "../../metrics/job-metrics.ts";
import { RateController } from "./rate-controller.ts";

/** A job of one source and one sink vertex at these cumulative counters (the source waited `sourceWaitedMs` on its rate). */
function metrics(sink: Partial<SubtaskMetrics>, sourceWaitedMs?: number): JobMetrics {
  const subtask = (m: Partial<SubtaskMetrics>): SubtaskMetrics => ({
    subtask: 0, busyMsPerSecond: 0, backPressuredMsPerSecond: 0, idleMsPerSecond: 0, backPressureRatio: 0, recordsIn: 0, recordsOut: 0,
    recordsInPerSecond: 0, recordsOutPerSecond: 0, currentInputWatermark: 0, currentOutputWatermark: 0, ...m,
  });
  return {
    vertices: [
      { id: "source", name: "source", parallelism: 1, backpressureLevel: "ok", subtasks: [subtask(sourceWaitedMs === undefined ? { busyMs: 0 } : { busyMs: 0, noInputMs: sourceWaitedMs, backPressuredMs: 0 })] },
      { id: "sink", name: "sink", parallelism: 1, backpressureLevel: "ok", subtasks: [subtask(sink)] },
    ],
    sourceRecordsPerSecond: 0,
    currentWatermark: 0,
  };
}

function busy(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

describe("a source's rate controller", () => {
  test("holds the source near what its sink can take, and shows its inputs", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env
      .fromGenerator({ generate: (i) => i }, undefined, "numbers")
      .setRateController({ intervalMs: 200, minRate: 100 })
      .rebalance()
      .sinkTo({ createWriter: () => ({ write: () => busy(50), flush: () => {} }) });
    const job = env.executeAsync("controlled");
    await new Promise((r) => setTimeout(r, 2_000));
    const before = job.metrics();
    await new Promise((r) => setTimeout(r, 1_000));
    const after = job.metrics();
    const controller = job.rateControllers().get(job.executionGraph.jobGraph.vertices[0]!.id)!;
    const state = controller.state();
    await job.cancel();
    const emitted = after.vertices[0]!.subtasks[0]!.recordsOut - before.vertices[0]!.subtasks[0]!.recordsOut;
    const sunk = after.vertices[1]!.subtasks[0]!.recordsIn - before.vertices[1]!.subtasks[0]!.recordsIn;
    // The controller measured the sink's processing rate from its busy time (about 1 / 50 µs).
    expect(state.processingRate).toBeGreaterThan(0);
    expect(state.rate).toBeDefined();
    expect(state.rate!).toBeLessThan(state.processingRate * 1.5);
    // Held to it, the source emits about what the sink takes (credits alone would let it run
    // ahead by a full channel and then stall, hiding the rate from it).
    expect(emitted).toBeLessThan(sunk * 1.5 + 2_048);
    expect(state.elements).toBeGreaterThan(0);
  }, 15_000);

  test("processing delay: the interval less the time without input and backpressured, so a saturated sink's is the whole interval", () => {
    const controller = (): RateController => new RateController("source", { intervalMs: 1_000 }, new Set(["sink"]), new Set(["source"]));
    // Saturated: input all the time, busy for 600 of 1000 ms (the rest its thread spent elsewhere).
    const saturated = controller();
    saturated.observe(0, metrics({ recordsIn: 0, busyMs: 0, noInputMs: 0, backPressuredMs: 0 }, 0));
    saturated.observe(1_000, metrics({ recordsIn: 5_000, busyMs: 600, noInputMs: 0, backPressuredMs: 0 }, 900));
    expect(saturated.state()).toMatchObject({ elements: 5_000, processingDelayMs: 1_000, processingRate: 5_000 });
    // Without input for 700 ms and backpressured for 100: it processed for 200 ms (the source, held
    // to its rate, waited 900 ms of the interval: the sink is the busiest vertex).
    const keepingUp = controller();
    keepingUp.observe(0, metrics({ recordsIn: 0, busyMs: 0, noInputMs: 0, backPressuredMs: 0 }, 0));
    keepingUp.observe(1_000, metrics({ recordsIn: 2_000, busyMs: 150, noInputMs: 700, backPressuredMs: 100 }, 900));
    expect(keepingUp.state()).toMatchObject({ elements: 2_000, processingDelayMs: 200, processingRate: 10_000 });
    // A runtime that reports no input time: busy time (with the wait on asynchronous work).
    const unreported = controller();
    unreported.observe(0, metrics({ recordsIn: 0, busyMs: 0, asyncWaitMs: 0 }));
    unreported.observe(1_000, metrics({ recordsIn: 2_000, busyMs: 150, asyncWaitMs: 50 }));
    expect(unreported.state()).toMatchObject({ processingDelayMs: 200, processingRate: 10_000 });
  });

  test("setRateController applies to sources only, and refuses bad settings when the job is built", () => {
    const env = StreamExecutionEnvironment.create();
    const numbers = env.fromCollection([1, 2, 3]);
    expect(() => numbers.map((x) => x).setRateController()).toThrow(/applies to a source/);
    expect(() => numbers.setRateController({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => numbers.setRateController({ minRate: -1 })).toThrow(/minimum rate/);
  });
});

describe("a source held to a rate", () => {
  test("lets records in a few at a time: after a pause it emits 10 ms of its rate, not the whole pause", async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ parallelism: 1, clock, batchSize: 512 });
    let sunk = 0;
    env.fromGenerator({ generate: (i) => i }, undefined, "numbers").rebalance().sinkTo({ createWriter: () => ({ write: () => void sunk++, flush: () => {} }) });
    const job = env.prepare("held");
    await job.executor.open();
    const source = job.executor.tasks[0]!;
    job.executor.setSourceRate(job.executionGraph.jobGraph.vertices[0]!.id, 10_000);
    const emitted = (): number => {
      source.refreshCounters();
      return source.metrics.recordsOut;
    };
    const runFor = async (ms: number): Promise<number> => {
      const before = emitted();
      clock.advanceBy(ms);
      // Over its rate the source waits (a real timer) for its next token; let that pass.
      await source.waitingOn();
      job.executor.runUntilIdle();
      return emitted() - before;
    };
    await runFor(0);
    // The isolate was away for a second: 10 ms of 10 k/s may go, not 10 000 records at once.
    expect(await runFor(1_000)).toBeLessThanOrEqual(100);
    // Stepped every millisecond, it keeps the rate: 10 records per ms, 1 000 over 100 ms.
    let steady = 0;
    for (let i = 0; i < 100; i++) steady += await runFor(1);
    expect(steady).toBeGreaterThanOrEqual(990);
    expect(steady).toBeLessThanOrEqual(1_010);
    job.executor.cancel();
    expect(sunk).toBeGreaterThan(0);
  });
});
