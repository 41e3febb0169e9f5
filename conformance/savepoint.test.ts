import { describe, expect, test } from "vitest";
import { EddyError, MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment } from "../core/index.ts";
import { type Tick, expectedWindowedTimersOutput, windowedTimersJob } from "./windowed-timers-job.ts";

const EVENTS = 4_000;

function collecting<T = string>(lines: T[]) {
  return { createWriter: () => ({ write: (l: T) => void lines.push(l), flush: () => {} }) };
}

function jobEnv(storage: MemoryCheckpointStorage, parallelism = 2): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism });
  env.enableCheckpointing(3_600_000, { storage });
  env.setRestartStrategy(RestartStrategies.noRestart());
  return env;
}

describe("savepoints", () => {
  test("stop-with-savepoint, then a job started from it: together they give the uninterrupted output", async () => {
    const storage = new MemoryCheckpointStorage();
    const first: string[] = [];
    const env1 = jobEnv(storage);
    windowedTimersJob(env1, { events: EVENTS, ratePerSecond: 5_000, seed: 3 }).sinkTo(collecting(first));
    const job1 = env1.executeAsync("savepoint-job");
    // Past a periodic watermark (200 ms), so some windows fire before the stop.
    await new Promise((r) => setTimeout(r, 450));
    const savepoint = await job1.stopWithSavepoint();
    expect(job1.getJobStatus()).toBe("FINISHED");
    expect(savepoint.location).toMatch(/savepoint-/);

    const second: string[] = [];
    const env2 = jobEnv(storage, 3);
    env2.setSavepointRestore(savepoint.location);
    windowedTimersJob(env2, { events: EVENTS, seed: 3 }).sinkTo(collecting(second));
    await env2.execute("savepoint-job");

    const events: Tick[] = [];
    const env0 = StreamExecutionEnvironment.create();
    windowedTimersJob(env0, { events: EVENTS, seed: 3, fail: (t) => void events.push(t) }).sinkTo(collecting([]));
    await env0.execute("reference");
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect([...first, ...second].sort()).toEqual(expectedWindowedTimersOutput(events));
  });

  test("stop-with-savepoint with drain fires every window before the job ends", async () => {
    const storage = new MemoryCheckpointStorage();
    const lines: string[] = [];
    const env = jobEnv(storage);
    windowedTimersJob(env, { events: 1_000_000, ratePerSecond: 20_000, seed: 5 }).sinkTo(collecting(lines));
    const job = env.executeAsync("drain");
    await new Promise((r) => setTimeout(r, 80));
    await job.stopWithSavepoint({ drain: true });
    expect(job.getJobStatus()).toBe("FINISHED");
    // Every event that entered the job is counted in exactly one fired window.
    const counted = lines.filter((l) => l.startsWith("w ")).reduce((n, l) => n + Number(/ n=(\d+)/.exec(l)![1]), 0);
    const timerSums = lines.filter((l) => l.startsWith("t ")).length;
    expect(counted).toBeGreaterThan(0);
    expect(timerSums).toBeGreaterThan(0);
    const windowSum = lines.filter((l) => l.startsWith("w ")).reduce((n, l) => n + Number(/ sum=(\d+)/.exec(l)![1]), 0);
    const tickSum = lines.filter((l) => l.startsWith("t ")).reduce((n, l) => n + Number(/ sum=(\d+)/.exec(l)![1]), 0);
    expect(windowSum).toBe(tickSum);
  });

  test("state without a matching operator is an error naming it, unless allowNonRestoredState", async () => {
    const storage = new MemoryCheckpointStorage();
    const env1 = jobEnv(storage);
    env1.fromGenerator({ generate: (i) => i, count: 1_000_000, ratePerSecond: 10_000 }).uid("numbers").keyBy((i) => i % 5).reduce((a, b) => a + b, "running sum").uid("sum-v1").sinkTo(collecting<number>([]));
    const job1 = env1.executeAsync("uids");
    await new Promise((r) => setTimeout(r, 50));
    const savepoint = await job1.stopWithSavepoint();

    const rebuilt = (allow: boolean) => {
      const env = jobEnv(storage);
      env.setSavepointRestore(savepoint.location, { allowNonRestoredState: allow });
      env.fromGenerator({ generate: (i) => i, count: 100 }).uid("numbers").keyBy((i) => i % 5).reduce((a, b) => a + b, "running sum").uid("sum-v2").sinkTo(collecting<number>([]));
      return env.execute("uids");
    };
    const error = await rebuilt(false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EddyError);
    expect((error as EddyError).message).toMatch(/"running sum"/);
    expect((error as EddyError).message).toMatch(/allowNonRestoredState/);
    await expect(rebuilt(true)).resolves.toBeDefined();
  });

  test("a savepoint does not stop the job", async () => {
    const storage = new MemoryCheckpointStorage();
    const lines: string[] = [];
    const env = jobEnv(storage);
    windowedTimersJob(env, { events: EVENTS, ratePerSecond: 40_000, seed: 8 }).sinkTo(collecting(lines));
    const job = env.executeAsync("keeps-going");
    await new Promise((r) => setTimeout(r, 30));
    const sp = await job.triggerSavepoint();
    expect(sp.checkpointId).toBeGreaterThan(0);
    await job.getJobExecutionResult();
    expect(job.getJobStatus()).toBe("FINISHED");
    const stats = job.checkpointStats() as { latest: { savepoint: { id: number } | null } };
    expect(stats.latest.savepoint?.id).toBe(sp.checkpointId);
  });
});

describe("restoring from a savepoint that is not there", () => {
  test("the job ends FAILED with an error naming the location", async () => {
    const env = jobEnv(new MemoryCheckpointStorage());
    env.setSavepointRestore("memory://nope/savepoint-9");
    env.fromGenerator({ generate: (i) => i, count: 10 }).sinkTo(collecting<number>([]));
    const job = env.executeAsync("missing");
    await expect(job.getJobExecutionResult()).rejects.toThrow(/no checkpoint at "memory:\/\/nope\/savepoint-9"/);
    expect(job.getJobStatus()).toBe("FAILED");
    expect(job.getExceptionHistory()).toHaveLength(1);
  });
});
