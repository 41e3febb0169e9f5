import { describe, expect, test } from "vitest";
import {
  type CheckpointingOptions,
  type CompletedCheckpoint,
  type KeyedProcessFunction,
  MemoryCheckpointStorage,
  RestartStrategies,
  type Sink,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
} from "../index.ts";

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

async function checkpointUnderBackpressure(options: CheckpointingOptions): Promise<{ result: PromiseSettledResult<{ location: string }>; stats: { history: { unaligned: boolean; status: string }[] }; checkpoint?: CompletedCheckpoint }> {
  const lines: string[] = [];
  const slow = { on: true };
  const env = build(options, lines, slow);
  const job = env.executeAsync("backpressured");
  // Let the channels fill up.
  await new Promise((r) => setTimeout(r, 150));
  const storage = env.getCheckpointConfig()!.storage;
  const [result] = await Promise.allSettled([job.triggerCheckpoint()]);
  const stats = job.checkpointStats() as { history: { unaligned: boolean; status: string }[] };
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
