import superjson from "superjson";
import { describe, expect, test } from "vitest";
import {
  type CheckpointingOptions,
  FileSink,
  MemoryFileSystem,
  TumblingEventTimeWindows,
  type WatermarkGenerator,
  WatermarkStrategy,
  readCommittedLines,
  type CompletedCheckpoint,
  type KeyedProcessFunction,
  MemoryCheckpointStorage,
  RestartStrategies,
  type Sink,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
} from "../index.ts";
import { ReferenceWindowModel, type RefEvent } from "../window/reference-model.ts";
import { generatorTimestamp, hashToUnit } from "../connectors/generator-source.ts";

const EVENTS = 20_000;
const KEYS = 7;

/** Per key: count and sum, emitted once at the end (a timer the final watermark fires). */
const totals: KeyedProcessFunction<number, { k: number; v: number }, string> = {
  processElement(e, ctx) {
    const n = ctx.getState(new ValueStateDescriptor<number>("n", 0));
    const sum = ctx.getState(new ValueStateDescriptor<number>("sum", 0));
    n.update((n.value() ?? 0) + 1);
    sum.update((sum.value() ?? 0) + e.v);
    ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
  },
  onTimer(_ts, ctx, out) {
    out.collect(`${ctx.getCurrentKey()}:${ctx.getState(new ValueStateDescriptor<number>("n", 0)).value()}:${ctx.getState(new ValueStateDescriptor<number>("sum", 0)).value()}`);
  },
};

function expectedTotals(): string[] {
  const n = new Map<number, number>();
  const sum = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) {
    n.set(i % KEYS, (n.get(i % KEYS) ?? 0) + 1);
    sum.set(i % KEYS, (sum.get(i % KEYS) ?? 0) + (i % 100));
  }
  return [...n.keys()].map((k) => `${k}:${n.get(k)}:${sum.get(k)}`).sort();
}

/** A sink that takes ~1 ms per record, one after another, while `slow` is set: heavy backpressure. */
function sink(lines: string[], slow: { on: boolean }): Sink<string> {
  return {
    createWriter: () => {
      let last: Promise<void> = Promise.resolve();
      return {
        write: (line: string) => {
          lines.push(line);
          if (!slow.on) return undefined;
          last = last.then(() => new Promise<void>((r) => setTimeout(r, 1)));
          return last;
        },
        flush: () => {},
      };
    },
  };
}

function build(options: CheckpointingOptions, lines: string[], slow: { on: boolean }, restore?: CompletedCheckpoint): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism: 2, batchSize: 32, channelCapacity: 2 });
  env.enableCheckpointing(3_600_000, { storage: new MemoryCheckpointStorage(), ...options });
  env.setRestartStrategy(RestartStrategies.noRestart());
  if (restore !== undefined) env.setSavepointRestore(restore);
  const events = env
    .fromGenerator({ generate: (i) => ({ k: i % KEYS, v: i % 100 }), count: EVENTS })
    .uid("source")
    .rebalance()
    .map((e) => e, "pass")
    .uid("pass");
  // Each record also goes to the slow sink, so the whole pipeline backs up behind it.
  events.map((e) => `r${e.k}`, "format").uid("format").sinkTo(sink(lines, slow)).uid("slow-sink");
  events.keyBy((e) => e.k).process(totals, "totals").uid("totals").sinkTo(sink(lines, { on: false })).uid("totals-sink");
  return env;
}

interface HistoryEntry {
  unaligned: boolean;
  status: string;
  persisted_data: number;
  persisted: Record<string, number>;
}

async function checkpointUnderBackpressure(options: CheckpointingOptions): Promise<{ result: PromiseSettledResult<{ location: string }>; stats: { history: HistoryEntry[] }; checkpoint?: CompletedCheckpoint }> {
  const lines: string[] = [];
  const slow = { on: true };
  const env = build(options, lines, slow);
  const job = env.executeAsync("backpressured");
  // Let the channels fill up.
  await new Promise((r) => setTimeout(r, 150));
  const storage = env.getCheckpointConfig()!.storage;
  const [result] = await Promise.allSettled([job.triggerCheckpoint()]);
  const stats = job.checkpointStats() as { history: HistoryEntry[] };
  const checkpoint = result.status === "fulfilled" ? await storage.load(result.value.location) : undefined;
  await job.cancel();
  return { result, stats, checkpoint };
}

describe("checkpoints under heavy backpressure", () => {
  test("an aligned checkpoint times out behind the in-flight data", async () => {
    const { result, stats } = await checkpointUnderBackpressure({ timeout: 150 });
    expect(result.status).toBe("rejected");
    expect(String((result as PromiseRejectedResult).reason)).toMatch(/expired after 150 ms/);
    expect(stats.history[0]!.status).toBe("FAILED");
  });

  test("an unaligned checkpoint completes, with the overtaken data in the checkpoint", async () => {
    const { result, stats, checkpoint } = await checkpointUnderBackpressure({ timeout: 150, unaligned: true });
    expect(result.status).toBe("fulfilled");
    expect(stats.history[0]!.unaligned).toBe(true);
    const inFlight = checkpoint!.tasks.flatMap((t) => t.channelState ?? []).reduce((n, c) => n + c.values.length, 0);
    expect(inFlight).toBeGreaterThan(0);
    // Its statistics count those records' bytes as stored, per subtask that held some (Flink's persisted data).
    const stored: Record<string, number> = {};
    for (const t of checkpoint!.tasks) {
      if ((t.channelState ?? []).length > 0) stored[`${t.vertexId}#${t.subtaskIndex}`] = new TextEncoder().encode(superjson.stringify(t.channelState)).byteLength;
    }
    expect(stats.history[0]!.persisted).toEqual(stored);
    expect(stats.history[0]!.persisted_data).toBe(Object.values(stored).reduce((a, b) => a + b, 0));
  });

  test("a checkpoint that aligned its barriers persisted no in-flight data", async () => {
    const lines: string[] = [];
    const slow = { on: true };
    const env = build({ timeout: 30_000 }, lines, slow);
    const job = env.executeAsync("aligned");
    await new Promise((r) => setTimeout(r, 20));
    const taken = job.triggerCheckpoint();
    // The sink speeds up, so the barriers align behind what is in flight.
    slow.on = false;
    await taken;
    const stats = job.checkpointStats() as { history: HistoryEntry[] };
    await job.cancel();
    expect(stats.history[0]).toMatchObject({ status: "COMPLETED", unaligned: false, persisted_data: 0, persisted: {} });
  });

  test("an aligned checkpoint with an alignment timeout turns unaligned and completes", async () => {
    const { result, stats } = await checkpointUnderBackpressure({ timeout: 150, alignedCheckpointTimeout: 20 });
    expect(result.status).toBe("fulfilled");
    expect(stats.history[0]!.unaligned).toBe(true);
  });

  for (const options of [{ unaligned: true }, { alignedCheckpointTimeout: 20 }] as CheckpointingOptions[]) {
    test(`restoring from a checkpoint taken ${options.unaligned === true ? "unaligned" : "after the alignment timeout"} replays in-flight data exactly once`, async () => {
      const { checkpoint } = await checkpointUnderBackpressure({ timeout: 150, ...options });
      expect(checkpoint).toBeDefined();
      const lines: string[] = [];
      await build({}, lines, { on: false }, checkpoint).execute("restored");
      expect(lines.filter((l) => l.includes(":")).sort()).toEqual(expectedTotals());
    });
  }
});

describe("regression #13.3: unaligned checkpoints keep in-flight watermarks", () => {
  const WINDOW = 100;
  const LATENESS = 400;
  const BOUND = 20;
  /** Emits a watermark every 10 ms of event-time progress, right after the record that made it: a deterministic sequence. */
  const punctuated = (): WatermarkGenerator<Late> => {
    let max = Number.NEGATIVE_INFINITY;
    let emitted = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_e, ts, out) {
        max = Math.max(max, ts);
        const wm = Math.floor((max - BOUND) / 10) * 10 - 1;
        if (wm > emitted) out.emitWatermark((emitted = wm));
      },
      onPeriodicEmit() {},
    };
  };
  interface Late {
    readonly key: number;
    readonly i: number;
  }
  const generator = (seed: number, count: number) => ({
    generate: (i: number, ctx: { random(): number }) => ({ key: Math.floor(ctx.random() * 5), i }),
    count,
    seed,
    ratePerSecond: 8_000,
    disorder: { fraction: 0.3, maxDelayMs: 300 },
  });

  /** What the windows emit, from the same records and watermarks, by the reference model. */
  function expected(seed: number, count: number): string[] {
    const options = generator(seed, count);
    const model = new ReferenceWindowModel<Late, string>({ type: "tumbling", size: WINDOW }, LATENESS, false, (key, start, _end, elements) => [`${key}@${start}:${elements.length}`]);
    const wm = punctuated();
    const out: string[] = [];
    const feed = (events: RefEvent<Late>[]) => {
      for (const e of events) for (const o of model.process(e)) if (o.kind === "main") out.push(o.value);
    };
    for (let i = 0; i < count; i++) {
      let n = 0;
      const value = options.generate(i, { random: () => hashToUnit(seed, i, n++) });
      const ts = generatorTimestamp(options, i);
      const events: RefEvent<Late>[] = [{ type: "element", key: value.key, value, ts }];
      wm.onEvent(value, ts, { emitWatermark: (w) => void events.push({ type: "watermark", ts: w }), markIdle: () => {}, markActive: () => {} });
      feed(events);
    }
    feed([{ type: "watermark", ts: Number.POSITIVE_INFINITY }]);
    return out.sort();
  }

  for (const seed of [41, 42, 43, 44]) {
    test(`seed ${seed}: late firings after a restore from unaligned checkpoints equal a run that never failed`, async () => {
      const count = 4_000;
      const fs = new MemoryFileSystem();
      const env = StreamExecutionEnvironment.create({ parallelism: 3, batchSize: 8, channelCapacity: 2, autoWatermarkInterval: 0 });
      env.enableCheckpointing(10, { storage: new MemoryCheckpointStorage(), unaligned: true });
      env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
      let added = 0;
      let failed = false;
      const failAt = 2_000 + seed * 10;
      env
        .fromGenerator<Late>(generator(seed, count), WatermarkStrategy.forGenerator<Late>(punctuated), "late events")
        .setParallelism(1)
        .keyBy((e) => e.key)
        .window(TumblingEventTimeWindows.of(WINDOW))
        .allowedLateness(LATENESS)
        .aggregate<number, number, string>(
          {
            createAccumulator: () => 0,
            add: (_e, n) => {
              // Slow, so channels fill up and barriers overtake records and watermarks.
              const until = performance.now() + 0.05;
              while (performance.now() < until);
              if (++added === failAt && !failed) {
                failed = true;
                throw new Error("injected failure");
              }
              return n + 1;
            },
            getResult: (n) => n,
            merge: (a, b) => a + b,
          },
          (key, ctx, counts, out) => {
            for (const n of counts) out.collect(`${key}@${ctx.window.start}:${n}`);
          },
        )
        .sinkTo(new FileSink<string>({ fs, dir: "out", encode: (s) => s }));
      const job = env.executeAsync("late-firings");
      await job.getJobExecutionResult();
      expect(failed).toBe(true);
      const stats = job.checkpointStats() as { latest: { restored: { id: number } | null }; history: { unaligned: boolean }[] };
      expect(stats.latest.restored).not.toBeNull();
      expect(stats.history.some((h) => h.unaligned)).toBe(true);
      expect((await readCommittedLines(fs, "out")).sort()).toEqual(expected(seed, count));
    });
  }
});
