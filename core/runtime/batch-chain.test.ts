import { describe, expect, test } from "vitest";
import {
  type CompletedCheckpoint,
  EddyError,
  type KeyedProcessFunction,
  MemoryCheckpointStorage,
  OutputTag,
  RestartStrategies,
  type Sink,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
} from "../index.ts";
import { OperatorTestHarness } from "../testing/operator-test-harness.ts";
import { MapOperator } from "../api/operators/simple-operators.ts";
import type { OperatorContext, StreamOperator } from "./operator.ts";
import type { RecordBatch } from "./stream-element.ts";

type LogEntry = string;

/**
 * An operator that takes batches: it logs each call's size and each record, passes records on
 * (to the side output `side` when `toSide` says so) and logs the watermarks it sees.
 */
function batchTaker(name: string, log: LogEntry[], calls: number[], toSide?: { tag: OutputTag<number>; when: (v: number) => boolean }): StreamOperator<number, number> {
  let ctx!: OperatorContext<number>;
  const one = (v: number, ts: number): void => {
    log.push(`${name} ${v}`);
    if (toSide !== undefined && toSide.when(v)) ctx.output.collectSide(toSide.tag, v, ts);
    else ctx.output.collect(v, ts);
  };
  return {
    setup: (c) => void (ctx = c),
    processElement: (v, ts) => {
      log.push(`${name} record-by-record`);
      one(v, ts);
    },
    processBatch: (batch: RecordBatch<number>) => {
      calls.push(batch.values.length);
      for (let i = 0; i < batch.values.length; i++) one(batch.values[i]!, batch.timestamps[i]!);
    },
    processWatermark: (wm) => {
      log.push(`${name} wm ${wm}`);
      ctx.output.emitWatermark(wm);
    },
  };
}

/** A sink writing to an array the test keeps (it survives a failed job). */
function arraySink<T>(into: T[]): Sink<T> {
  return { name: "array sink", createWriter: () => ({ write: (v: T) => void into.push(v), flush: () => {} }) };
}

/** Emits ts - 1 after every tenth element (ts % 10 === 9), so that batches hold several records between watermarks. */
function everyTenthWatermark(): WatermarkStrategy<number> {
  return WatermarkStrategy.forGenerator<number>(() => ({
    onEvent: (_e, ts, out) => {
      if (ts % 10 === 9) out.emitWatermark(ts - 1);
    },
    onPeriodicEmit: () => {},
  })).withTimestampAssigner((v) => v);
}

describe("regression: batch-at-a-time operators (processBatch)", () => {
  test("each input batch reaches every batch-taking operator of a chain in one call", async () => {
    const n = 1000;
    const batchSize = 64;
    const env = StreamExecutionEnvironment.create({ batchSize });
    const log: LogEntry[] = [];
    const headCalls: number[] = [];
    const lastCalls: number[] = [];
    const out = await env
      .fromCollection(Array.from({ length: n }, (_, i) => i))
      .rebalance()
      .transform<number>("Head", () => batchTaker("head", log, headCalls))
      .map((v) => v * 2)
      .filter((v) => v % 3 !== 0)
      .transform<number>("Last", () => batchTaker("last", log, lastCalls))
      .executeAndCollect();

    const expected = Array.from({ length: n }, (_, i) => i * 2).filter((v) => v % 3 !== 0);
    expect(out).toEqual(expected);
    expect(log.filter((e) => e.endsWith("record-by-record"))).toEqual([]);
    // Input batches from the channel: all records, at most a batch each, more than one record per call.
    expect(headCalls.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Math.max(...headCalls)).toBeLessThanOrEqual(batchSize);
    expect(headCalls.length).toBeLessThan(n / 2);
    // The operator after map and filter is called once per input batch, with what survived the filter.
    expect(lastCalls.length).toBe(headCalls.length);
    let from = 0;
    const survivors = headCalls.map((size) => {
      const count = Array.from({ length: size }, (_, i) => (from + i) * 2).filter((v) => v % 3 !== 0).length;
      from += size;
      return count;
    });
    expect(lastCalls).toEqual(survivors);
  });

  test("records, watermarks and side outputs keep their order through a batch-taking chain", async () => {
    const n = 300;
    const env = StreamExecutionEnvironment.create({ batchSize: 32 });
    const odd = new OutputTag<number>("odd");
    const log: LogEntry[] = [];
    const calls: number[] = [];
    const split = env
      .fromCollection(Array.from({ length: n }, (_, i) => i), everyTenthWatermark())
      .transform<number>("Split", () => batchTaker("split", [], calls, { tag: odd, when: (v) => v % 2 === 1 }));
    split.transform<number>("Even", () => batchTaker("even", log, [])).sinkTo(arraySink([]));
    split.getSideOutput(odd).transform<number>("Odd", () => batchTaker("odd", log, [])).sinkTo(arraySink([]));
    await env.execute("order");

    // Record by record: each record goes to its output; after every tenth, the watermark to both.
    const expected: LogEntry[] = [];
    for (let v = 0; v < n; v++) {
      expected.push(v % 2 === 1 ? `odd ${v}` : `even ${v}`);
      if (v % 10 === 9) expected.push(`even wm ${v - 1}`, `odd wm ${v - 1}`);
    }
    expected.push("even wm Infinity", "odd wm Infinity");
    // (Side outputs go on record by record, so Odd logs that too; the order is what counts here.)
    expect(log.filter((e) => !e.endsWith("record-by-record"))).toEqual(expected);
    // Split took its input ten records at a time (between watermarks), not one by one.
    expect(calls.every((size) => size === 10)).toBe(true);
  });

  test("a record failing in the middle of a batch names the operator and the record; what came before it is delivered", async () => {
    const env = StreamExecutionEnvironment.create({ batchSize: 50 });
    const written: number[] = [];
    const bad = 137;
    env
      .fromCollection(Array.from({ length: 400 }, (_, i) => i))
      .rebalance()
      .map((v) => {
        if (v === bad) throw new RangeError(`cannot convert ${v}`);
        return v + 1000;
      }, "Convert")
      .sinkTo(arraySink(written));
    const error = await env.execute("fails").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EddyError);
    const failure = error as EddyError;
    expect(failure.operator).toBe("Convert");
    expect(failure.code).toBe("USER_FUNCTION_FAILED");
    expect(failure.message).toMatch(/^\[eddy\] operator "Convert" failed in processElement on record \d+ of \d+ in its input batch: cannot convert 137/);
    expect(failure.cause).toBeInstanceOf(RangeError);
    // Every record before the bad one was converted and written, in order, and none after it.
    expect(written).toEqual(Array.from({ length: bad }, (_, i) => i + 1000));
  });

  test("on a keyed stream an operator that takes batches gets records one by one with their keys", async () => {
    const env = StreamExecutionEnvironment.create();
    const seen: string[] = [];
    const calls: number[] = [];
    const op = (): StreamOperator<number, string> => {
      let ctx!: OperatorContext<string>;
      return {
        setup: (c) => void (ctx = c),
        processElement: (v, ts) => ctx.output.collect(`${v}:${String(ctx.keyed!.getCurrentKey())}`, ts),
        processBatch: (batch) => void calls.push(batch.values.length),
      };
    };
    const out = await env
      .fromCollection([1, 2, 3, 4, 5, 6])
      .keyBy((v) => (v % 2 === 0 ? "even" : "odd"))
      .transform<string>("Keyed", op)
      .executeAndCollect();
    seen.push(...out);
    expect(calls).toEqual([]);
    expect(seen).toEqual(["1:odd", "2:even", "3:odd", "4:even", "5:odd", "6:even"]);
  });

  test("the host names the failed record of a map's batch, and passes on the results before it", async () => {
    const h = new OperatorTestHarness(
      new MapOperator<number, number>((v) => {
        if (v < 0) throw new TypeError("negative");
        return v * 10;
      }),
      { name: "Map(scale)" },
    );
    await h.open();
    let error: unknown;
    try {
      h.host.processBatch({ values: [1, 2, -3, 4], timestamps: [10, 20, 30, 40] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EddyError);
    expect((error as EddyError).message).toBe('[eddy] operator "Map(scale)" failed in processElement on record 3 of 4 in its input batch: negative');
    expect(h.output).toEqual([
      { value: 10, timestamp: 10 },
      { value: 20, timestamp: 20 },
    ]);
  });

  test("a checkpoint taken while batches move through a chain restores to exact totals", async () => {
    const events = 6_000;
    const keys = 5;
    const expected = new Map<number, number>();
    for (let i = 0; i < events; i++) {
      const v = i * 3;
      if (v % 2 === 0) expected.set(v % keys, (expected.get(v % keys) ?? 0) + v);
    }
    // Per key, the sum of what reached it, emitted once when the final watermark fires its timer.
    const sums: KeyedProcessFunction<number, number, string> = {
      processElement(v, ctx) {
        const sum = ctx.getState(new ValueStateDescriptor<number>("sum", 0));
        sum.update((sum.value() ?? 0) + v);
        ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
      },
      onTimer(_ts, ctx, out) {
        out.collect(`${ctx.getCurrentKey()}:${ctx.getState(new ValueStateDescriptor<number>("sum", 0)).value()}`);
      },
    };
    const build = (lines: string[], ratePerSecond: number | undefined, restore?: CompletedCheckpoint): StreamExecutionEnvironment => {
      const env = StreamExecutionEnvironment.create({ batchSize: 16 });
      env.enableCheckpointing(3_600_000, { storage: new MemoryCheckpointStorage() });
      env.setRestartStrategy(RestartStrategies.noRestart());
      if (restore !== undefined) env.setSavepointRestore(restore);
      env
        .fromGenerator({ generate: (i) => i, count: events, ...(ratePerSecond !== undefined ? { ratePerSecond } : {}) })
        .uid("source")
        .map((i) => i * 3, "triple")
        .uid("triple")
        .filter((v) => v % 2 === 0, "even")
        .uid("even")
        .keyBy((v) => v % keys)
        .process(sums, "sums")
        .uid("sums")
        .sinkTo(arraySink(lines))
        .uid("sink");
      return env;
    };
    const throttled = build([], 20_000);
    const job = throttled.executeAsync("throttled");
    // Part of the input is through when the checkpoint is taken.
    await new Promise((r) => setTimeout(r, 100));
    const { location } = await job.triggerCheckpoint();
    const checkpoint = await throttled.getCheckpointConfig()!.storage.load(location);
    await job.cancel();
    const lines: string[] = [];
    await build(lines, undefined, checkpoint).execute("restored");
    expect(lines.sort()).toEqual([...expected].map(([k, sum]) => `${k}:${sum}`).sort());
  });
});
