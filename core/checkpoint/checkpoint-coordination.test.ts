import { describe, expect, test } from "vitest";
import {
  type CheckpointStorage,
  FileSystemCheckpointStorage,
  MemoryCheckpointStorage,
  MemoryFileSystem,
  RestartStrategies,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type KeyedProcessFunction,
  type Source,
  WatermarkStrategy,
} from "../index.ts";

const count: KeyedProcessFunction<number, number, number> = {
  processElement(v, ctx, out) {
    const n = ctx.getState(new ValueStateDescriptor<number>("n", 0));
    n.update((n.value() ?? 0) + 1);
    out.collect(v);
  },
};

describe("restart strategies", () => {
  test("fixedDelay allows exactly `attempts` restarts with the delay", () => {
    const t = RestartStrategies.fixedDelay(2, 50).start();
    expect([t.onFailure(0), t.onFailure(1), t.onFailure(2)]).toEqual([
      { restart: true, delayMs: 50 },
      { restart: true, delayMs: 50 },
      { restart: false, delayMs: 0 },
    ]);
  });

  test("exponentialDelay grows by the multiplier up to the maximum and resets after a quiet period", () => {
    const t = RestartStrategies.exponentialDelay({ initialBackoffMs: 100, maxBackoffMs: 500, backoffMultiplier: 2, resetBackoffThresholdMs: 10_000, jitterFactor: 0 }).start();
    expect([0, 1, 2, 3, 4].map((i) => t.onFailure(i).delayMs)).toEqual([100, 200, 400, 500, 500]);
    expect(t.onFailure(20_000).delayMs).toBe(100);
    const jittered = RestartStrategies.exponentialDelay({ initialBackoffMs: 1_000, maxBackoffMs: 1_000, jitterFactor: 0.1 }).start();
    for (let i = 0; i < 50; i++) {
      const d = jittered.onFailure(i).delayMs;
      expect(d).toBeGreaterThanOrEqual(900);
      expect(d).toBeLessThanOrEqual(1_100);
    }
  });

  test("failureRate gives up when more than maxFailures happen within the interval", () => {
    const t = RestartStrategies.failureRate(2, 1_000, 10).start();
    expect(t.onFailure(0).restart).toBe(true);
    expect(t.onFailure(500).restart).toBe(true);
    expect(t.onFailure(900).restart).toBe(false);
    const u = RestartStrategies.failureRate(2, 1_000, 10).start();
    expect([u.onFailure(0), u.onFailure(600), u.onFailure(1_200), u.onFailure(1_900)].every((d) => d.restart)).toBe(true);
  });

  test("bad arguments are refused", () => {
    expect(() => RestartStrategies.fixedDelay(-1, 0)).toThrow(/attempts/);
    expect(() => RestartStrategies.exponentialDelay({ initialBackoffMs: 0, maxBackoffMs: 10 })).toThrow(/initialBackoffMs/);
    expect(() => RestartStrategies.failureRate(0, 10, 0)).toThrow(/maxFailures/);
  });
});

describe("checkpoint coordination", () => {
  test("completed checkpoints are retained up to the configured number, with statistics per checkpoint", async () => {
    const fs = new MemoryFileSystem();
    const storage = new FileSystemCheckpointStorage(fs, "chk");
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(3_600_000, { storage, retainedCheckpoints: 2, jobKey: "retention" });
    env.fromGenerator({ generate: (i) => i % 100, ratePerSecond: 20_000 }).keyBy((k) => k).process(count).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
    const job = env.executeAsync("retention");
    const taken = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 20));
      taken.push(await job.triggerCheckpoint());
    }
    expect(taken.map((t) => t.checkpointId)).toEqual([1, 2, 3, 4]);
    expect(await storage.list("retention")).toEqual(["chk/retention/chk-3", "chk/retention/chk-4"]);
    const stats = job.checkpointStats() as {
      counts: { completed: number; failed: number };
      history: { id: number; status: string; state_size: number; num_subtasks: number; num_acknowledged_subtasks: number; acknowledgements: Record<string, number>; trigger_timestamp: number; end_to_end_duration: number }[];
    };
    expect(stats.counts.completed).toBe(4);
    const latest = stats.history[0]!;
    expect(latest.id).toBe(4);
    expect(latest.status).toBe("COMPLETED");
    expect(latest.state_size).toBeGreaterThan(0);
    // source (2) + keyed process with its sink chained (2)
    expect(latest.num_subtasks).toBe(4);
    expect(latest.num_acknowledged_subtasks).toBe(4);
    expect(Object.keys(latest.acknowledgements)).toHaveLength(4);
    expect(latest.end_to_end_duration).toBeGreaterThanOrEqual(0);
    await job.cancel();
  });

  test("a checkpoint that fails is aborted and counted, and the job goes on", async () => {
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(3_600_000, { timeout: 30 });
    env.setRestartStrategy(RestartStrategies.noRestart());
    let slowFlushes = true;
    const written: number[] = [];
    env
      .fromGenerator({ generate: (i) => i, ratePerSecond: 10_000 })
      .sinkTo({
        createWriter: () => ({
          write: (v: number) => void written.push(v),
          flush: () => (slowFlushes ? new Promise<void>((r) => setTimeout(r, 100)) : undefined),
        }),
      });
    const job = env.executeAsync("timeouts");
    await new Promise((r) => setTimeout(r, 20));
    // The sink flushes at the barrier (at-least-once writers do); this flush outlasts the timeout.
    await expect(job.triggerCheckpoint()).rejects.toThrow(/expired after 30 ms/);
    slowFlushes = false;
    expect(job.getJobStatus()).toBe("RUNNING");
    // The expired checkpoint's flush still runs to its end; the next checkpoint waits for it.
    await new Promise((r) => setTimeout(r, 120));
    const ok = await job.triggerCheckpoint();
    expect(ok.checkpointId).toBe(2);
    const stats = job.checkpointStats() as { counts: { completed: number; failed: number } };
    expect(stats.counts).toMatchObject({ completed: 1, failed: 1 });
    const before = written.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(written.length).toBeGreaterThan(before);
    await job.cancel();
  });
});

describe("regression #13.4: tolerable checkpoint failures are counted in a row", () => {
  /** Memory storage whose store fails for the given checkpoint ids (a full disk, say). */
  function failingFor(ids: ReadonlySet<number>): CheckpointStorage {
    const inner = new MemoryCheckpointStorage();
    return {
      store: (cp) => (ids.has(cp.checkpointId) ? Promise.reject(new Error(`disk full at checkpoint ${cp.checkpointId}`)) : inner.store(cp)),
      load: (l) => inner.load(l),
      list: (k) => inner.list(k),
      discard: (l) => inner.discard(l),
    };
  }

  async function run(failing: number[], tolerable: number, checkpoints: number) {
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(3_600_000, { storage: failingFor(new Set(failing)), tolerableFailedCheckpoints: tolerable });
    env.setRestartStrategy(RestartStrategies.noRestart());
    env.fromGenerator({ generate: (i) => i, ratePerSecond: 10_000 }).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
    const job = env.executeAsync("tolerance");
    const outcomes: string[] = [];
    for (let i = 0; i < checkpoints && !["FAILING", "FAILED"].includes(job.getJobStatus()); i++) {
      await new Promise((r) => setTimeout(r, 5));
      outcomes.push(await job.triggerCheckpoint().then(() => "ok", () => "failed"));
    }
    await new Promise((r) => setTimeout(r, 20));
    return { job, outcomes };
  }

  test("failures separated by successes never add up: fail, ok, ok, fail, ok with 1 tolerated keeps running", async () => {
    const { job, outcomes } = await run([1, 4], 1, 5);
    expect(outcomes).toEqual(["failed", "ok", "ok", "failed", "ok"]);
    expect(job.getJobStatus()).toBe("RUNNING");
    expect((job.checkpointStats() as { counts: { failed: number } }).counts.failed).toBe(2);
    await job.cancel();
  });

  test("two failures in a row with 1 tolerated fail the job, naming the count", async () => {
    const { job, outcomes } = await run([2, 3], 1, 5);
    expect(outcomes.slice(0, 3)).toEqual(["ok", "failed", "failed"]);
    await expect(job.getJobExecutionResult()).rejects.toThrow(/2 checkpoints in a row failed, more than the 1 tolerated/);
    expect(job.getJobStatus()).toBe("FAILED");
  });
});

describe("two-phase commit when checkpoints expire mid pre-commit", () => {
  test("each transaction is pre-committed once and committed at most once; the committed output is exact", async () => {
    const preCommits = new Map<number, number>();
    const commits = new Map<number, number>();
    const committed: number[] = [];
    let nextTxn = 0;
    const buffers = new Map<number, number[]>();
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(15, { timeout: 25 });
    env.setRestartStrategy(RestartStrategies.noRestart());
    env.fromGenerator({ generate: (i) => i, count: 3_000, ratePerSecond: 10_000 }).sinkTo({
      kind: "two-phase-commit",
      createLogic: () => ({
        beginTransaction: () => {
          const id = nextTxn++;
          buffers.set(id, []);
          return id;
        },
        write: (txn: number, v: number) => void buffers.get(txn)!.push(v),
        // Slower than the checkpoint timeout half of the time.
        preCommit: (txn: number) => {
          preCommits.set(txn, (preCommits.get(txn) ?? 0) + 1);
          return txn % 2 === 0 ? new Promise<void>((r) => setTimeout(r, 40)) : undefined;
        },
        commit: (txn: number) => {
          commits.set(txn, (commits.get(txn) ?? 0) + 1);
          if (commits.get(txn) === 1) committed.push(...buffers.get(txn)!);
        },
        abort: (txn: number) => void buffers.delete(txn),
      }),
    });
    const job = env.executeAsync("slow-precommit");
    await job.getJobExecutionResult();
    const stats = job.checkpointStats() as { counts: { failed: number } };
    expect(stats.counts.failed).toBeGreaterThan(0);
    for (const [, n] of preCommits) expect(n).toBe(1);
    for (const [, n] of commits) expect(n).toBe(1);
    expect(committed.sort((a, b) => a - b)).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
  });
});

describe("restoring a checkpoint taken before a source assigned its splits", () => {
  test("the restored enumerator assigns them again and the readers read everything (regression: readers ended at once)", async () => {
    const N = 2_000;
    // An enumerator that assigns its one split only after a delay, as partition discovery does.
    const source: Source<number, { splitId: string; next: number }, { assigned: boolean }> = {
      boundedness: "BOUNDED",
      createEnumerator: (context, restored) => {
        let assigned = restored?.assigned ?? false;
        return {
          start() {
            context.callAsync(
              () => new Promise<void>((r) => setTimeout(r, 80)),
              () => {
                if (assigned) return;
                assigned = true;
                context.assignSplits(new Map([[0, [{ splitId: "only", next: 0 }]]]));
                context.signalNoMoreSplits(0);
              },
              0,
              0,
            );
          },
          addReader() {},
          addSplitsBack() {},
          snapshotState: () => ({ assigned }),
        };
      },
      createReader: () => {
        const splits: { splitId: string; next: number }[] = [];
        let noMore = false;
        let wake: (() => void) | undefined;
        return {
          start() {},
          pollNext(output) {
            const s = splits[0];
            if (s === undefined) return noMore ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
            output.collect(s.next++);
            if (s.next >= N) splits.shift();
            return "MORE_AVAILABLE";
          },
          isAvailable: () => new Promise<void>((r) => (wake = r)),
          addSplits(added) {
            splits.push(...added.map((a) => ({ ...a })));
            wake?.();
          },
          notifyNoMoreSplits() {
            noMore = true;
            wake?.();
          },
          snapshotState: () => splits.map((s) => ({ ...s })),
        };
      },
    };
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(3_600_000);
    env.setRestartStrategy(RestartStrategies.fixedDelay(1, 0));
    let failed = false;
    const seen = new Set<number>();
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), "late splits")
      .map((n) => {
        if (n === 1_000 && !failed) {
          failed = true;
          throw new Error("injected after the split was assigned");
        }
        return n;
      })
      .sinkTo({ createWriter: () => ({ write: (n: number) => void seen.add(n), flush: () => {} }) });
    const job = env.executeAsync("late-splits");
    // A checkpoint completes before the split exists.
    await new Promise((r) => setTimeout(r, 10));
    await job.triggerCheckpoint();
    await job.getJobExecutionResult();
    expect(failed).toBe(true);
    expect(seen.size).toBe(N);
  });
});
