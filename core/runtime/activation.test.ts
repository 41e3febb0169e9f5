import { describe, expect, test } from "vitest";
import {
  type InputStatus,
  type KeyedProcessFunction,
  ManualClock,
  type Sink,
  type Source,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from "../index.ts";
import { StaticSplitEnumerator } from "../connectors/static-split-enumerator.ts";
import { QueueSource } from "../testing/queue-source.ts";
import { ExecutionGraph } from "../graph/execution-graph.ts";
import type { TaskSnapshot } from "../checkpoint/types.ts";
import { type DataBundle, Outbox } from "./remote-channel.ts";
import type { Task } from "./task.ts";
import { type ExecutorOptions, type RemoteSubtasks, TaskExecutor, subtaskKey } from "./task-executor.ts";

function listSink<T>(): { sink: Sink<T>; out: T[] } {
  const out: T[] = [];
  return { out, sink: { createWriter: () => ({ write: (v: T) => void out.push(v), flush: () => {} }) } };
}

/** Counts the steps each task takes from now on, by task name. */
function countSteps(tasks: readonly Task[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tasks) {
    const name = `${t.info.vertexName}#${t.info.subtaskIndex}`;
    counts.set(name, 0);
    const step = t.step.bind(t);
    t.step = (bufferTimeoutMs?: number) => {
      counts.set(name, counts.get(name)! + 1);
      return step(bufferTimeoutMs);
    };
  }
  return counts;
}

const stepsOf = (counts: Map<string, number>, prefix: string): number => [...counts].filter(([name]) => name.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);

/** Lets settled promises run their callbacks (several hops: a write settles, then the task's wait). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("activation queue: idle tasks park", () => {
  test("a job with nothing to do steps no task, however often the executor is stepped", async () => {
    const env = StreamExecutionEnvironment.create({ clock: new ManualClock(0) });
    const source = new QueueSource<number>();
    const { sink } = listSink<number>();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").map((x) => x + 1).name("inc").disableChaining().sinkTo(sink).name("sink").disableChaining();
    const job = env.prepare("idle");
    await job.executor.open();
    job.executor.runUntilIdle();
    const counts = countSteps(job.executor.tasks);
    for (let i = 0; i < 10; i++) expect(job.executor.step()).toBe(false);
    expect([...counts.values()]).toEqual([0, 0, 0]);
    job.executor.cancel();
  });

  test("data arriving on a channel steps the tasks it reaches and no other", async () => {
    const env = StreamExecutionEnvironment.create({ clock: new ManualClock(0) });
    const busy = new QueueSource<number>();
    const quiet = new QueueSource<number>();
    const a = listSink<number>();
    const b = listSink<number>();
    env.fromSource(busy, WatermarkStrategy.noWatermarks(), "busy").map((x) => x * 2).name("busy-map").disableChaining().sinkTo(a.sink).name("busy-sink").disableChaining();
    env.fromSource(quiet, WatermarkStrategy.noWatermarks(), "quiet").map((x) => x * 3).name("quiet-map").disableChaining().sinkTo(b.sink).name("quiet-sink").disableChaining();
    const job = env.prepare("two pipelines");
    await job.executor.open();
    job.executor.runUntilIdle();
    const counts = countSteps(job.executor.tasks);
    busy.push(1, 2, 3);
    await Promise.resolve();
    job.executor.runUntilIdle();
    expect(a.out).toEqual([2, 4, 6]);
    expect(b.out).toEqual([]);
    expect(stepsOf(counts, "Source: quiet") + stepsOf(counts, "quiet-map") + stepsOf(counts, "quiet-sink")).toBe(0);
    expect(stepsOf(counts, "busy-map")).toBeGreaterThan(0);
    expect(stepsOf(counts, "busy-sink")).toBeGreaterThan(0);
    job.executor.cancel();
  });
});

describe("activation queue: what wakes a parked task", () => {
  test("credit coming back resumes a producer blocked on a full channel", async () => {
    // One record per batch and one batch per channel: every hop blocks until the next one takes
    // its batch. A sink whose every write is asynchronous keeps the consumer parked between writes.
    const env = StreamExecutionEnvironment.create({ clock: new ManualClock(0), batchSize: 1, channelCapacity: 1 });
    const written: number[] = [];
    const slow: Sink<number> = { createWriter: () => ({ write: (v: number) => (written.push(v), Promise.resolve()), flush: () => {} }) };
    const values = Array.from({ length: 200 }, (_, i) => i);
    env.fromCollection(values).map((x) => x).name("relay").disableChaining().sinkTo(slow).name("slow-sink").disableChaining();
    const job = env.prepare("credits");
    await job.executor.open();
    for (let i = 0; i < 10_000 && !job.executor.isFinished(); i++) {
      job.executor.runUntilIdle();
      await settle();
    }
    expect(written).toEqual(values);
    expect(job.executor.isFinished()).toBe(true);
    job.executor.cancel();
  });

  test("a processing-time timer steps the task that owns it, which sends what the timer emitted", async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock, autoWatermarkInterval: 0 });
    const source = new QueueSource<string>();
    const { sink, out } = listSink<string>();
    const remind: KeyedProcessFunction<string, string, string> = {
      processElement(value, ctx) {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
      },
      onTimer(timestamp, ctx, o) {
        o.collect(`${ctx.getCurrentKey()}@${timestamp}`);
      },
    };
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").keyBy((s) => s).process(remind).name("remind").sinkTo(sink).name("sink").disableChaining();
    const job = env.prepare("timer");
    await job.executor.open();
    source.push("a");
    await Promise.resolve();
    job.executor.runUntilIdle();
    expect(out).toEqual([]);
    const counts = countSteps(job.executor.tasks);
    clock.advanceTo(100);
    job.executor.runUntilIdle();
    // The timer's record sat in its task's output buffer: only a step of that task sends it.
    expect(out).toEqual(["a@100"]);
    expect(stepsOf(counts, "Source")).toBe(0);
    job.executor.cancel();
  });

  test("a checkpoint trigger reaches a parked source: the barrier flows and every task acknowledges", async () => {
    const env = StreamExecutionEnvironment.create({ clock: new ManualClock(0) });
    const source = new QueueSource<number>();
    const { sink, out } = listSink<number>();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").map((x) => x).name("relay").disableChaining().sinkTo(sink).name("sink").disableChaining();
    const job = env.prepare("checkpoint");
    const acks: string[] = [];
    job.executor.onAcknowledge = (id: number, s: TaskSnapshot) => void acks.push(`${id}:${s.vertexId}#${s.subtaskIndex}`);
    await job.executor.open();
    source.push(1, 2);
    await Promise.resolve();
    job.executor.runUntilIdle();
    expect(out).toEqual([1, 2]);
    // Every task is parked now; the trigger is mail, and the barrier is input downstream.
    expect(job.executor.step()).toBe(false);
    job.executor.triggerCheckpoint(1, 0, { alignment: "aligned", savepoint: false, alignedTimeoutMs: 0 }, undefined);
    job.executor.runUntilIdle();
    // The sink's pre-commit (a flush) may finish asynchronously.
    await settle();
    job.executor.runUntilIdle();
    expect(acks.sort()).toEqual(job.executor.taskKeys().map((k) => `1:${k}`).sort());
    job.executor.cancel();
  });

  test("cancelling a job whose tasks are all parked ends its run", async () => {
    const env = StreamExecutionEnvironment.create({ clock: new ManualClock(0) });
    const source = new QueueSource<number>();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").sinkTo(listSink<number>().sink).disableChaining();
    const job = env.prepare("cancel");
    const running = job.executor.run();
    await settle();
    job.executor.cancel();
    await running;
    expect(job.executor.status).toBe("CANCELED");
  });

  test("a reader whose availability fails fails the run with its error", async () => {
    const env = StreamExecutionEnvironment.create({ clock: new ManualClock(0) });
    const broken: Source<number> = {
      boundedness: "CONTINUOUS_UNBOUNDED",
      name: "broken",
      createEnumerator: (context) => new StaticSplitEnumerator(context, [{ splitId: "b" }]),
      createReader: () => ({
        start() {},
        pollNext: (): InputStatus => "NOTHING_AVAILABLE",
        isAvailable: () => Promise.reject(new Error("connection lost")),
        addSplits() {},
        notifyNoMoreSplits() {},
        snapshotState: () => [],
      }),
    };
    env.fromSource(broken, WatermarkStrategy.noWatermarks(), "broken").sinkTo(listSink<number>().sink);
    const job = env.prepare("broken");
    await expect(job.executor.run()).rejects.toThrow("connection lost");
    expect(job.executor.status).toBe("FAILED");
  });
});

describe("activation queue: channels between TaskManagers", () => {
  /** The source on one executor, the sink on another, bundles passed asynchronously as a port would. */
  async function split(tuning: { batchSize: number; channelCapacity: number }) {
    const env = StreamExecutionEnvironment.create();
    const source = new QueueSource<number>();
    const { sink, out } = listSink<number>();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").sinkTo(sink).name("sink").disableChaining();
    const jobGraph = env.buildJobGraph(env.streamGraph);
    const [sourceVertex, sinkVertex] = jobGraph.vertices;
    const where = new Map([
      [subtaskKey(sourceVertex!.id, 0), "a"],
      [subtaskKey(sinkVertex!.id, 0), "b"],
    ]);
    const executors = new Map<string, TaskExecutor>();
    const options: ExecutorOptions = { clock: new ManualClock(0), autoWatermarkInterval: 0, metricsIntervalMs: 60_000, ...tuning };
    const enumerators = { readerStarted: () => {}, splitRequest: () => {} };
    for (const self of ["a", "b"]) {
      const outboxes = new Map<string, Outbox>();
      const placement: RemoteSubtasks = {
        hosts: (v, i) => where.get(subtaskKey(v, i)) === self,
        outbox: (v, i) => {
          const peer = where.get(subtaskKey(v, i))!;
          let outbox = outboxes.get(peer);
          if (outbox === undefined) {
            const link = { send: (bundle: DataBundle) => void setTimeout(() => executors.get(peer)!.deliver(bundle), 0) };
            outboxes.set(peer, (outbox = new Outbox(`job/0`, link, (k) => k)));
          }
          return outbox;
        },
      };
      executors.set(self, new TaskExecutor(new ExecutionGraph(jobGraph), options, enumerators, placement));
    }
    return { source, out, a: executors.get("a")!, b: executors.get("b")! };
  }

  async function until(what: string, check: () => boolean): Promise<void> {
    for (let i = 0; i < 2_000; i++) {
      if (check()) return;
      await settle();
    }
    throw new Error(`[test] never happened: ${what}`);
  }

  test("a batch from another TaskManager wakes the parked receiver of a running executor", async () => {
    const { source, out, a, b } = await split({ batchSize: 4, channelCapacity: 2 });
    const runs = [a.run(), b.run()];
    await settle();
    const sinkSteps = countSteps(b.tasks);
    await settle();
    expect(sinkSteps.get([...sinkSteps.keys()][0]!)).toBe(0);
    source.push(1, 2, 3);
    await until("the records reach the sink", () => out.length === 3);
    expect(out).toEqual([1, 2, 3]);
    a.cancel();
    b.cancel();
    await Promise.all(runs);
  });

  test("credits from another TaskManager resume a producer that ran out of them", async () => {
    // One record per batch, and more batches than the receiver's credits (at least 16).
    const { source, out, a, b } = await split({ batchSize: 1, channelCapacity: 1 });
    const values = Array.from({ length: 300 }, (_, i) => i);
    source.push(...values);
    const runs = [a.run(), b.run()];
    await until("every record reaches the sink", () => out.length === values.length);
    expect(out).toEqual(values);
    a.cancel();
    b.cancel();
    await Promise.all(runs);
  });
});
