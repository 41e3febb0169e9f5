import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CheckpointStorage, EddyError, MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment, readCommittedLines } from "../../core/index.ts";
import type { WorkerCluster } from "../../core/cluster/worker-cluster.ts";
import { mulberry32 } from "../../core/testing/random.ts";
import { expectedWindowCounts, steadyResults } from "../../conformance/jobs/cluster-jobs.ts";
import type { CommitStep } from "../../conformance/jobs/cluster-fault-jobs.ts";
import { type Tick, expectedWindowedTimersOutput, windowedTimersJob } from "../../conformance/windowed-timers-job.ts";
import { guest } from "../../operators-wasm/host/test-support.ts";
import { NodeFileSystem } from "./fs.ts";
import { workerCluster } from "./worker-cluster.ts";

const jobs = new URL("../../conformance/jobs/cluster-jobs.ts", import.meta.url).href;
const faultJobs = new URL("../../conformance/jobs/cluster-fault-jobs.ts", import.meta.url).href;
let cluster: WorkerCluster;
const dirs: string[] = [];

beforeAll(async () => {
  cluster = await workerCluster({ taskManagers: 2, slotsPerTaskManager: 2 });
}, 30_000);
afterAll(async () => {
  await cluster?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "eddy-cluster-"));
  dirs.push(d);
  return d;
}

/** The events the windowed-timers job generates, computed in this isolate without a cluster. */
async function generatedEvents(events: number, seed: number): Promise<Tick[]> {
  const env = StreamExecutionEnvironment.create();
  const ticks: Tick[] = [];
  windowedTimersJob(env, { events, seed, fail: (t) => void ticks.push(t) }).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
  await env.execute("generate");
  return ticks;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("worker TaskManagers on Node", () => {
  test("a keyed window count whose keyBy crosses TaskManagers gives the reference output", async () => {
    const params = { events: 20_000, keys: 7 };
    const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster });
    const stream = await env.build<string>({ module: jobs, export: "keyedWindowCounts", params });
    const out = await stream!.executeAndCollect("window counts");
    expect(out.sort()).toEqual(expectedWindowCounts(params));
  }, 30_000);

  test("subtasks of one vertex are spread over TaskManagers, and the job holds its slots only while it runs", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster });
    await env.build({ module: jobs, export: "droppedWindowCounts", params: { events: 200_000, keys: 7, ratePerSecond: 50_000 } });
    const job = env.executeAsync("placement");
    await sleep(300);
    const vertex = job.executionGraph.jobGraph.vertices.at(-1)!;
    const where = [0, 1].map((i) => job.execution.taskManagerOf(vertex.id, i));
    expect(new Set(where).size).toBe(2);
    expect(cluster.taskManagers().reduce((n, tm) => n + tm.freeSlots, 0)).toBe(2);
    await job.cancel();
    expect(cluster.taskManagers().reduce((n, tm) => n + tm.freeSlots, 0)).toBe(4);
  }, 30_000);

  test("a record that cannot be structured-cloned fails the job, naming the operators it went between", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster });
    const stream = await env.build<string>({ module: jobs, export: "unclonableRecords" });
    const error = await stream!.executeAndCollect("unclonable").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EddyError);
    expect((error as EddyError).code).toBe("RECORD_NOT_TRANSFERABLE");
    expect((error as EddyError).message).toMatch(/a record from operator "With functions" to "Render" cannot be sent to another TaskManager/);
  }, 30_000);
});

describe("a TaskManager lost mid-job: the exactly-once file sink's output equals a failure-free run", () => {
  const events = 6_000;

  async function runWithFailures(seed: number, crash: { at: CommitStep; nth: number } | undefined, onStart: () => void = () => {}, unaligned = false): Promise<{ committed: string[]; expected: string[]; history: string[]; leftovers: string[]; stats: { history: { unaligned: boolean; status: string }[]; latest: { restored: unknown } }; remoteInFlight: number }> {
    const dir = tempDir();
    const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster, ...(unaligned ? { batchSize: 16, channelCapacity: 1 } : {}) });
    const memory = new MemoryCheckpointStorage();
    // Counts in-flight data a barrier overtook on channels between TaskManagers: with parallelism 2
    // on 2 workers, subtask i runs on the worker of slot i, so channel `...:i->j` crosses when i != j.
    let remoteInFlight = 0;
    const storage: CheckpointStorage = {
      store: (cp) => {
        for (const t of cp.tasks) {
          for (const c of t.channelState ?? []) {
            const m = /:(\d+)->(\d+)$/.exec(c.channel);
            if (c.order >= 1 && m !== null && m[1] !== m[2]) remoteInFlight += c.values.length + (c.controls?.length ?? 0);
          }
        }
        return memory.store(cp);
      },
      load: (l) => memory.load(l),
      list: (k) => memory.list(k),
      discard: (l) => memory.discard(l),
    };
    env.enableCheckpointing(50, { storage, ...(unaligned ? { unaligned: true } : {}) });
    env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
    await env.build({ module: faultJobs, export: "exactlyOnceWindowedTimers", params: { dir, events, ratePerSecond: 6_000, seed, ...(crash !== undefined ? { crash } : {}), ...(unaligned ? { slowMs: 0.15 } : {}) } });
    const job = env.executeAsync("exactly once on workers");
    onStart();
    await job.getJobExecutionResult();
    const fs = new NodeFileSystem(dir);
    return {
      committed: (await readCommittedLines(fs, "out")).sort(),
      expected: expectedWindowedTimersOutput(await generatedEvents(events, seed)),
      history: job.getExceptionHistory().map((e) => e.message),
      leftovers: await fs.list("out/.pending"),
      stats: job.checkpointStats() as never,
      remoteInFlight,
    };
  }

  for (const seed of [1, 2, 3, 4]) {
    test(`seed ${seed}: a TaskManager stopped at a random moment`, async () => {
      const random = mulberry32(seed);
      const delay = 150 + Math.floor(random() * 600);
      let killed = "";
      const result = await runWithFailures(seed, undefined, () => {
        void sleep(delay).then(() => {
          const victim = cluster.taskManagers().filter((tm) => tm.executions.length > 0)[Math.floor(random() * 2)] ?? cluster.taskManagers()[0]!;
          killed = victim.id;
          cluster.kill(victim.id, "stopped by the test");
        });
      });
      expect(killed).not.toBe("");
      expect(result.history.join("\n")).toMatch(new RegExp(`TaskManager ${killed} was stopped by the test`));
      expect(result.committed).toEqual(result.expected);
      expect(result.leftovers).toEqual([]);
    }, 60_000);
  }

  for (const seed of [11, 12]) {
    test(`seed ${seed}: unaligned checkpoints under backpressure across workers, a TaskManager stopped mid-job`, async () => {
      const random = mulberry32(seed);
      const delay = 300 + Math.floor(random() * 500);
      const result = await runWithFailures(
        seed,
        undefined,
        () => {
          void sleep(delay).then(() => {
            const busy = cluster.taskManagers().filter((tm) => tm.executions.length > 0);
            cluster.kill((busy[Math.floor(random() * busy.length)] ?? cluster.taskManagers()[0]!).id, "stopped by the test");
          });
        },
        true,
      );
      // The in-flight data of remote channels went into the checkpoints and was replayed.
      expect(result.stats.history.some((h) => h.unaligned && h.status === "COMPLETED")).toBe(true);
      expect(result.remoteInFlight).toBeGreaterThan(0);
      expect(result.stats.latest.restored).not.toBeNull();
      expect(result.committed).toEqual(result.expected);
      expect(result.leftovers).toEqual([]);
    }, 60_000);
  }

  for (const at of ["before-pre-commit", "after-pre-commit", "before-commit", "after-commit"] as const) {
    test(`the worker running the sink exits ${at.replace(/-/g, " ")}`, async () => {
      const result = await runWithFailures(7, { at, nth: 3 });
      expect(result.history.join("\n")).toMatch(/TaskManager tm-\d+ exited/);
      expect(result.committed).toEqual(result.expected);
      expect(result.leftovers).toEqual([]);
    }, 60_000);
  }
});

describe("CPU budget: a runaway operator is stopped, the job fails over, everything else goes on", () => {
  async function runaway(component: Uint8Array | undefined): Promise<{ error: unknown; history: string[]; lagMs: number; steadyGrew: number }> {
    // A second job on the same cluster, and the JobManager's event loop, must not notice.
    const steadyEnv = StreamExecutionEnvironment.create({ parallelism: 1, cluster });
    await steadyEnv.build({ module: jobs, export: "steadyStream" });
    const steady = steadyEnv.executeAsync("steady");
    await sleep(500);
    const env = StreamExecutionEnvironment.create({ parallelism: 1, cluster, userCodeBudgetMs: 400 });
    env.enableCheckpointing(1_000);
    env.setRestartStrategy(RestartStrategies.fixedDelay(1, 0));
    await env.build({ module: jobs, export: "runawayMap", params: { count: 1_000, spinAt: 100, ...(component !== undefined ? { component } : {}) } });
    const before = steadyResults.length;
    let lagMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      lagMs = Math.max(lagMs, now - last - 10);
      last = now;
    }, 10);
    const job = env.executeAsync("runaway");
    const error = await job.getJobExecutionResult().then(() => undefined, (e: unknown) => e);
    clearInterval(probe);
    const steadyGrew = steadyResults.length - before;
    expect(steady.getJobStatus()).toBe("RUNNING");
    await steady.cancel();
    return { error, history: job.getExceptionHistory().map((e) => e.message), lagMs, steadyGrew };
  }

  test("a WebAssembly map that loops forever", async () => {
    const component = (await guest("host/fixtures/loop-map.as.ts")).component;
    const r = await runaway(component);
    expect((r.error as EddyError).code).toBe("CPU_BUDGET_EXCEEDED");
    // Tried again per the restart strategy (fixedDelay(1)): two failures, each naming what ran.
    expect(r.history).toHaveLength(2);
    for (const message of r.history) expect(message).toMatch(/^\[eddy\] component "spin" \(world map-operator\) in operator "Spin", calling process-batch ran for \d+ ms, past its CPU budget of 400 ms per call: TaskManager tm-\d+ running it was stopped$/);
    expect(r.steadyGrew).toBeGreaterThan(50);
    expect(r.lagMs).toBeLessThan(100);
  }, 60_000);

  test("a TypeScript map that loops forever", async () => {
    const r = await runaway(undefined);
    expect((r.error as EddyError).code).toBe("CPU_BUDGET_EXCEEDED");
    expect(r.history).toHaveLength(2);
    for (const message of r.history) expect(message).toMatch(/^\[eddy\] operator chain "Source: Generator Source -> Spin -> Sink" \(subtask 1\/1\) ran for \d+ ms, past its CPU budget of 400 ms per call: TaskManager tm-\d+ running it was stopped$/);
    expect(r.steadyGrew).toBeGreaterThan(50);
    expect(r.lagMs).toBeLessThan(100);
  }, 60_000);
});
