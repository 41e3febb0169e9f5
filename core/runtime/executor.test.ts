import { describe, expect, test } from "vitest";
import {
  type KeyedProcessFunction,
  ManualClock,
  OutputTag,
  type Sink,
  type Source,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  TumblingEventTimeWindows,
} from "../index.ts";
import { StaticSplitEnumerator } from "../connectors/static-split-enumerator.ts";
import { QueueSource } from "../testing/queue-source.ts";
import { operatorIndexForKey } from "../state/key-groups.ts";

/** A sink whose writes wait until the test opens the gate. */
function gatedSink<T>(): { sink: Sink<T>; written: T[]; open(): void } {
  const written: T[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined = new Promise((resolve) => (release = resolve));
  return {
    written,
    open: () => {
      gate = undefined;
      release?.();
    },
    sink: {
      createWriter: () => ({
        write: (v: T) => {
          written.push(v);
          return gate;
        },
        flush: () => gate,
      }),
    },
  };
}

describe("backpressure", () => {
  test("a blocked sink suspends the producer once the bounded channel is full", async () => {
    const batchSize = 10;
    const channelCapacity = 2;
    const env = StreamExecutionEnvironment.create({ batchSize, channelCapacity });
    const { sink, written, open } = gatedSink<number>();
    env.fromGenerator({ generate: (i) => i }).map((x) => x).sinkTo(sink).disableChaining();
    const job = env.prepare("backpressure");
    await job.executor.open();
    job.executor.runUntilIdle();
    const [source, sinkTask] = job.executor.tasks;
    // The sink took one batch and is waiting (a pending write holds back the next batch);
    // upstream stopped after filling its channel plus one sealed batch: no unbounded buffering.
    expect(written.length).toBe(batchSize);
    const produced = source!.metrics.recordsOut;
    expect(produced).toBeGreaterThanOrEqual(batchSize * channelCapacity);
    expect(produced).toBeLessThanOrEqual(batchSize * (channelCapacity + 1) + 1024);
    expect(source!.isOutputBlocked()).toBe(true);
    // Stepping again does nothing while the sink is blocked.
    expect(job.executor.runUntilIdle()).toBe(0);
    expect(source!.metrics.recordsOut).toBe(produced);
    expect(sinkTask!.waitingOn()).toBeDefined();
    open();
    await sinkTask!.waitingOn();
    job.executor.runUntilIdle(5);
    expect(written.length).toBeGreaterThan(1);
    job.executor.cancel();
  });

  test("backpressured time is accounted and the vertex level turns HIGH", async () => {
    const env = StreamExecutionEnvironment.create({ batchSize: 64, channelCapacity: 1 });
    let writes = 0;
    // A slow sink: ~2 ms per batch of 64 (a timer), so the source spends most of its time blocked.
    const slow: Sink<number> = {
      createWriter: () => ({
        write: () => {
          writes++;
          return writes % 64 === 0 ? new Promise<void>((r) => setTimeout(r, 2)) : undefined;
        },
        flush: () => {},
      }),
    };
    env.fromGenerator({ generate: (i) => i }).sinkTo(slow).disableChaining();
    const job = env.executeAsync("slow sink");
    await new Promise((r) => setTimeout(r, 2500));
    const m = job.metrics();
    await job.cancel();
    const source = m.vertices.find((v) => v.name.startsWith("Source"))!;
    expect(source.subtasks[0]!.backPressuredMsPerSecond).toBeGreaterThan(500);
    expect(source.backpressureLevel).toBe("high");
    const sinkVertex = m.vertices.find((v) => !v.name.startsWith("Source"))!;
    expect(sinkVertex.backpressureLevel).toBe("ok");
  });
});

describe("deterministic execution", () => {
  test("processing-time timers fire only when the manual clock reaches them", async () => {
    const clock = new ManualClock(1_000);
    const env = StreamExecutionEnvironment.create({ clock, autoWatermarkInterval: 0 });
    const source = new QueueSource<string>();
    const fired: string[] = [];
    const fn: KeyedProcessFunction<string, string, string> = {
      processElement(value, ctx) {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 500);
      },
      onTimer(timestamp, ctx, out) {
        out.collect(`${ctx.getCurrentKey()}@${timestamp}:${ctx.timeDomain()}`);
      },
    };
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), "queue")
      .keyBy((s) => s)
      .process(fn)
      .sinkTo({ createWriter: () => ({ write: (v: string) => void fired.push(v), flush: () => {} }) });
    const job = env.prepare("timers");
    await job.executor.open();
    source.push("a", "b");
    await Promise.resolve();
    job.executor.runUntilIdle();
    expect(fired).toEqual([]);
    clock.advanceTo(1_499);
    job.executor.runUntilIdle();
    expect(fired).toEqual([]);
    clock.advanceTo(1_500);
    job.executor.runUntilIdle();
    expect(fired.sort()).toEqual(["a@1500:PROCESSING_TIME", "b@1500:PROCESSING_TIME"]);
    job.executor.cancel();
  });

  test("periodic watermarks follow the manual clock and fire event-time windows", async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock, autoWatermarkInterval: 200 });
    const source = new QueueSource<{ k: string; ts: number }>();
    const out: string[] = [];
    env
      .fromSource(source, WatermarkStrategy.forBoundedOutOfOrderness<{ k: string; ts: number }>(10).withTimestampAssigner((e) => e.ts), "queue")
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(100))
      .process<string>((k, ctx, els, o) => o.collect(`${k}[${ctx.window.start},${ctx.window.end})=${[...els].length}`))
      .sinkTo({ createWriter: () => ({ write: (v: string) => void out.push(v), flush: () => {} }) });
    const job = env.prepare("periodic");
    await job.executor.open();
    source.push({ k: "x", ts: 5 }, { k: "x", ts: 50 }, { k: "x", ts: 150 });
    await Promise.resolve();
    job.executor.runUntilIdle();
    expect(out).toEqual([]); // no periodic emission yet
    clock.advanceTo(200);
    job.executor.runUntilIdle();
    // watermark = 150 - 10 - 1 = 139 >= 99: the first window fired, the second not.
    expect(out).toEqual(["x[0,100)=2"]);
    source.push({ k: "x", ts: 211 });
    await Promise.resolve();
    job.executor.runUntilIdle();
    clock.advanceTo(400);
    job.executor.runUntilIdle();
    expect(out).toEqual(["x[0,100)=2", "x[100,200)=1"]);
    job.executor.cancel();
  });
});

/** Emits (value, the subtask that processed it); the subtask index is set in open(). */
const subtaskTagger: KeyedProcessFunction<string, string, [string, number]> & { subtask: number } = {
  subtask: -1,
  open(ctx) {
    this.subtask = ctx.subtaskIndex;
  },
  processElement(value, _ctx, out) {
    out.collect([value, this.subtask]);
  },
};

describe("partitioning and the execution plan", () => {
  test("function objects are copied per subtask, so fields set in open() stay per subtask", async () => {
    // Same shape as the hash test below: fields written in open must not leak between subtasks.
    const env = StreamExecutionEnvironment.create({ parallelism: 4 });
    const fn = {
      me: -1,
      open(ctx: { subtaskIndex: number }) {
        this.me = ctx.subtaskIndex;
      },
      map(x: number) {
        return `${x}:${this.me}`;
      },
    };
    const out = await env.fromCollection(Array.from({ length: 400 }, (_, i) => i)).rebalance().map(fn).executeAndCollect();
    expect(new Set(out.map((s) => s.split(":")[1])).size).toBe(4);
    expect(fn.me).toBe(-1);
  });

  test("hash partitioning sends each key to the subtask that owns its key group", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 3 });
    const keys = Array.from({ length: 500 }, (_, i) => `key-${i}`);
    const seen = await env
      .fromCollection(keys)
      .keyBy((k) => k)
      .process<[string, number]>(subtaskTagger)
      .executeAndCollect();
    expect(seen.length).toBe(500);
    const maxParallelism = 128; // Flink's default for parallelism 3
    for (const [key, subtask] of seen) expect(subtask).toBe(operatorIndexForKey(key, maxParallelism, 3));
    expect(new Set(seen.map(([, s]) => s)).size).toBe(3);
  });

  test("operators chain on forward edges and the plan shows ship strategies", () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .fromCollection([1, 2, 3])
      .map((x) => x, "double")
      .filter((x) => x > 0, "positive")
      .keyBy((x) => x % 2)
      .reduce((a, b) => a + b, "sum")
      .print();
    const plan = JSON.parse(env.getExecutionPlan()) as {
      nodes: { id: number; type: string; parallelism: number; predecessors: { id: number; ship_strategy: string }[] }[];
      vertices: { name: string; parallelism: number; inputs: { ship_strategy: string }[] }[];
    };
    const byType = new Map(plan.nodes.map((n) => [n.type, n]));
    expect(byType.get("Source: Collection Source")!.parallelism).toBe(1);
    expect(byType.get("double")!.predecessors[0]!.ship_strategy).toBe("REBALANCE");
    expect(byType.get("positive")!.predecessors[0]!.ship_strategy).toBe("FORWARD");
    expect(byType.get("sum")!.predecessors[0]!.ship_strategy).toBe("HASH");
    expect(plan.vertices.map((v) => v.name)).toEqual(["Source: Collection Source", "double -> positive", "sum -> Print to Std. Out"]);
    expect(plan.vertices.map((v) => v.parallelism)).toEqual([1, 2, 2]);
  });

  test("parallelism per operator and disabled chaining", () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 4 });
    env.fromCollection([1]).map((x) => x, "a").setParallelism(3).map((x) => x, "b").disableChaining().print();
    const plan = JSON.parse(env.getExecutionPlan()) as { vertices: { name: string; parallelism: number }[] };
    expect(plan.vertices.map((v) => [v.name, v.parallelism])).toEqual([
      ["Source: Collection Source", 1],
      ["a", 3],
      ["b", 4],
      ["Print to Std. Out", 4],
    ]);
  });
});

describe("ingestion time", () => {
  test("records are stamped with the source's processing time and windows follow that clock", async () => {
    const clock = new ManualClock(10_000);
    const env = StreamExecutionEnvironment.create({ clock, autoWatermarkInterval: 100 });
    const source = new QueueSource<string>();
    const out: string[] = [];
    env
      .fromSource(source, WatermarkStrategy.forIngestionTime<string>(), "queue")
      .keyBy(() => "all")
      .window(TumblingEventTimeWindows.of(1_000))
      .process<string>((_k, ctx, els, o) => o.collect(`[${ctx.window.start},${ctx.window.end}):${[...els].join("")}`))
      .sinkTo({ createWriter: () => ({ write: (v: string) => void out.push(v), flush: () => {} }) });
    const job = env.prepare("ingestion");
    await job.executor.open();
    source.push("a", "b");
    await Promise.resolve();
    job.executor.runUntilIdle();
    clock.advanceTo(10_500);
    source.push("c");
    await Promise.resolve();
    job.executor.runUntilIdle();
    clock.advanceTo(11_200);
    source.push("d");
    await Promise.resolve();
    job.executor.runUntilIdle();
    clock.advanceTo(11_300);
    job.executor.runUntilIdle();
    // a, b (at 10 000) and c (at 10 500) share the window [10 000, 11 000); d (at 11 200) opens the next.
    expect(out).toEqual(["[10000,11000):abc"]);
    job.executor.cancel();
  });
});

describe("source side outputs", () => {
  test("a reader's collectSide reaches getSideOutput on the source stream, outside watermarking", async () => {
    const rejected = new OutputTag<string>("rejected");
    const lines = ["1", "x", "2", "y", "3"];
    const source: Source<number> = {
      boundedness: "BOUNDED",
      createEnumerator: (context) => new StaticSplitEnumerator(context, [{ splitId: "all" }]),
      createReader: () => {
        let i = 0;
        let hasSplit = false;
        return {
          start() {},
          pollNext(output) {
            if (!hasSplit) return "NOTHING_AVAILABLE";
            if (i >= lines.length) return "END_OF_INPUT";
            const line = lines[i++]!;
            const n = Number(line);
            if (Number.isNaN(n)) output.collectSide(rejected, line);
            else output.collect(n);
            return "MORE_AVAILABLE";
          },
          isAvailable: () => Promise.resolve(),
          addSplits() {
            hasSplit = true;
          },
          notifyNoMoreSplits() {},
          snapshotState: () => [],
        };
      },
    };
    const env = StreamExecutionEnvironment.create();
    const numbers = env.fromSource(source, WatermarkStrategy.noWatermarks(), "parser");
    const bad: string[] = [];
    numbers.getSideOutput(rejected).sinkTo({ createWriter: () => ({ write: (v: string) => void bad.push(v), flush: () => {} }) });
    expect(await numbers.map((n) => n * 10).executeAndCollect()).toEqual([10, 20, 30]);
    expect(bad).toEqual(["x", "y"]);
  });
});

describe("metrics after the end", () => {
  test("an ended job reports no flow, but keeps its record counts", async () => {
    const env = StreamExecutionEnvironment.create();
    env.fromGenerator({ generate: (i) => i, ratePerSecond: 20_000 }).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
    const job = env.executeAsync("ends");
    await new Promise((r) => setTimeout(r, 1_300));
    const running = job.metrics();
    expect(running.sourceRecordsPerSecond).toBeGreaterThan(5_000);
    await job.cancel();
    const ended = job.metrics();
    expect(ended.sourceRecordsPerSecond).toBe(0);
    expect(ended.vertices[0]!.subtasks[0]!.recordsOut).toBeGreaterThan(5_000);
    expect(ended.vertices.every((v) => v.backpressureLevel === "ok")).toBe(true);
  });
});

describe("record counters", () => {
  test("every vertex counts the records it took in and sent on", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .fromGenerator({ generate: (i) => i, count: 3_000 })
      .rebalance()
      .filter((i) => i % 3 !== 0, "keep two thirds")
      .rebalance()
      .sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
    const job = env.executeAsync("counters");
    await job.getJobExecutionResult();
    const byName = new Map(job.metrics().vertices.map((v) => [v.name, v]));
    const sum = (name: string, field: "recordsIn" | "recordsOut") => byName.get(name)!.subtasks.reduce((n, s) => n + s[field], 0);
    expect(sum("Source: Generator Source", "recordsOut")).toBe(3_000);
    expect(sum("keep two thirds", "recordsIn")).toBe(3_000);
    expect(sum("keep two thirds", "recordsOut")).toBe(2_000);
    expect(sum("Sink", "recordsIn")).toBe(2_000);
  });
});
