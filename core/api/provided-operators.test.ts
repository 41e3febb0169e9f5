import { describe, expect, test } from "vitest";
import {
  EddyError,
  EventTimeSessionWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
  type AggregateFunction,
  type DataStream,
  type KeyedProcessFunction,
  type KeyedRecord,
  type OperatorContext,
  type OperatorKind,
  type OperatorProvider,
  type StreamOperator,
  type ValueState,
} from "../index.ts";
import { VOID_NAMESPACE } from "../state/types.ts";
import type { Timer } from "../time/types.ts";

/**
 * A plain TypeScript OperatorProvider, written the way a WebAssembly host is: its stateless
 * operators buffer records and emit them only in `finishBatch` (so the runtime must call it
 * after each input batch and before watermarks and the end of input), and its keyed process
 * operator keeps state and timers in the runtime's keyed backend through `context.keyed`.
 */
class BufferingProvider implements OperatorProvider {
  readonly name = "buffering";
  created: OperatorKind[] = [];

  constructor(private readonly fns: {
    map?: (v: number) => number;
    filter?: (v: number) => boolean;
    flatMap?: (v: number) => number[];
    keySelector?: (v: number) => number;
    timestampAssigner?: (v: number) => number;
  }) {}

  createOperator(kind: OperatorKind): StreamOperator<any, any> {
    this.created.push(kind);
    const fns = this.fns;
    switch (kind) {
      case "map":
        return buffering<number, number>((v, ts, out) => out(fns.map!(v), ts));
      case "filter":
        return buffering<number, number>((v, ts, out) => void (fns.filter!(v) && out(v, ts)));
      case "flatMap":
        return buffering<number, number>((v, ts, out) => fns.flatMap!(v).forEach((x) => out(x, ts)));
      case "keySelector":
        return buffering<number, KeyedRecord<number>>((v, ts, out) => out({ key: fns.keySelector!(v), value: v }, ts));
      case "timestampAssigner":
        return buffering<number, number>((v, _ts, out) => out(v, fns.timestampAssigner!(v)));
      case "keyedProcess":
        return new CountingProcessOperator();
    }
  }
}

/** An operator that holds records until the end of the input batch, then applies `emit` to each. */
function buffering<IN, OUT>(emit: (v: IN, ts: number, out: (v: OUT, ts: number) => void) => void): StreamOperator<IN, OUT> {
  let context: OperatorContext<OUT>;
  let held: [IN, number][] = [];
  const out = (v: OUT, ts: number) => context.output.collect(v, ts);
  return {
    setup: (ctx) => void (context = ctx),
    processElement: (v, ts) => void held.push([v, ts]),
    finishBatch() {
      const batch = held;
      held = [];
      for (const [v, ts] of batch) emit(v, ts, out);
    },
  };
}

/** Per key: a running count in a ValueState, and an event-time timer at the end of each record's second. */
class CountingProcessOperator implements StreamOperator<number, string> {
  private context!: OperatorContext<string>;
  private count!: ValueState<number>;

  setup(context: OperatorContext<string>): void {
    this.context = context;
  }

  open(): void {
    this.count = this.context.getState(new ValueStateDescriptor<number>("count", 0));
  }

  processElement(value: number, timestamp: number): void {
    const keyed = this.context.keyed!;
    this.count.update(this.count.value()! + 1);
    this.context.output.collect(`${String(keyed.getCurrentKey())}|${this.count.value()}|${value}`, timestamp);
    keyed.timers.registerEventTimeTimer(VOID_NAMESPACE, Math.floor(timestamp / 1000) * 1000 + 999);
  }

  onEventTime(timer: Timer): void {
    this.context.output.collect(`fired@${timer.timestamp}:${String(timer.key)}=${this.count.value()}`, timer.timestamp);
  }
}

/** The same counting logic as a KeyedProcessFunction. */
function countingFunction(): KeyedProcessFunction<number, number, string> & { count?: ValueState<number> } {
  return {
    open(ctx) {
      this.count = ctx.getState(new ValueStateDescriptor<number>("count", 0));
    },
    processElement(value, ctx, out) {
      this.count!.update(this.count!.value()! + 1);
      out.collect(`${ctx.getCurrentKey()}|${this.count!.value()}|${value}`);
      ctx.timerService().registerEventTimeTimer(Math.floor(ctx.timestamp()! / 1000) * 1000 + 999);
    },
    onTimer(time, ctx, out) {
      out.collect(`fired@${time}:${ctx.getCurrentKey()}=${this.count!.value()}`);
    },
  };
}

const values = Array.from({ length: 3000 }, (_, i) => (i * 37) % 101);
const T0 = 1_700_000_000_000;
const tsOf = (v: number, i: number) => T0 + i * 97 + (v % 7);
const events = values.map((v, i) => ({ v, ts: tsOf(v, i) }));

/** Numbers with event time (bounded out-of-orderness), at `parallelism`. */
function timestamped(parallelism: number): DataStream<number> {
  return StreamExecutionEnvironment.create({ parallelism })
    .fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<{ v: number; ts: number }>(50).withTimestampAssigner((e) => e.ts))
    .map((e) => e.v);
}

/** Every record with its timestamp, sorted (order across subtasks is not defined). */
async function stamped<T>(s: DataStream<T>): Promise<string[]> {
  return (await s.process<string>((v, ctx, out) => out.collect(`${ctx.timestamp()}|${JSON.stringify(v)}`)).executeAndCollect()).sort();
}

describe("OperatorProvider: a provider's operators behave as the functions they stand in for", () => {
  test("map, filter and flatMap give the same records with the same timestamps (parallelism 2)", async () => {
    const map = (v: number) => v * 3 + 1;
    const filter = (v: number) => v % 4 !== 0;
    const flatMap = (v: number) => (v % 3 === 0 ? [] : v % 3 === 1 ? [v] : [v, -v]);
    const p = new BufferingProvider({ map, filter, flatMap });
    const provided = await stamped(timestamped(2).map<number>(p).filter(p).flatMap<number>(p));
    const functions = await stamped(timestamped(2).map(map).filter(filter).flatMap<number>((v) => flatMap(v)));
    expect(provided.length).toBeGreaterThan(2000);
    expect(provided).toEqual(functions);
    // once to check at build time, then once per subtask
    expect(p.created.slice(0, 3)).toEqual(["map", "filter", "flatMap"]);
    expect([...p.created].sort()).toEqual(["filter", "filter", "filter", "flatMap", "flatMap", "flatMap", "map", "map", "map"]);
  });

  test("buffered records reach a downstream event-time window before the watermark that closes it", async () => {
    const map = (v: number) => v % 10;
    const p = new BufferingProvider({ map });
    const windowed = (s: DataStream<number>) =>
      s.keyBy((v) => v).window(TumblingEventTimeWindows.of(10_000))
        .process<string>((key, ctx, elements, out) => out.collect(`${key}|${ctx.window.start}|${[...elements].length}`))
        .executeAndCollect();
    const provided = (await windowed(timestamped(2).map<number>(p))).sort();
    expect(provided).toEqual((await windowed(timestamped(2).map(map))).sort());
    expect(provided.length).toBeGreaterThan(100);
  });

  test("keyBy(provider) partitions like keyBy(function); the keyed stream sees plain values", async () => {
    const keySelector = (v: number) => v % 5;
    const run = (s: DataStream<number>, key: OperatorProvider | ((v: number) => number)) =>
      s.keyBy<number>(key).process<string>(countingFunction()).executeAndCollect().then((r) => r.sort());
    const provided = await run(timestamped(2), new BufferingProvider({ keySelector }));
    expect(provided).toEqual(await run(timestamped(2), keySelector));
    expect(provided.filter((l) => l.startsWith("fired@")).length).toBeGreaterThan(5);
  });

  test("withTimestampAssigner(provider) stamps records like the function", async () => {
    const assign = (v: number) => T0 + v * 1000;
    const run = (strategy: WatermarkStrategy<number>) =>
      stamped(StreamExecutionEnvironment.create({ parallelism: 2 }).fromCollection(values).assignTimestampsAndWatermarks(strategy));
    const provided = await run(WatermarkStrategy.forBoundedOutOfOrderness<number>(100).withTimestampAssigner(new BufferingProvider({ timestampAssigner: assign })));
    expect(provided).toEqual(await run(WatermarkStrategy.forBoundedOutOfOrderness<number>(100).withTimestampAssigner((v) => assign(v))));
    expect(provided[0]).toBe(`${T0}|0`);
  });

  test("KeyedStream.process(provider): keyed state and event-time timers in the runtime's backend", async () => {
    const key = (v: number) => v % 7;
    const provided = (await timestamped(2).keyBy(key).process<string>(new BufferingProvider({})).executeAndCollect()).sort();
    const functions = (await timestamped(2).keyBy(key).process<string>(countingFunction()).executeAndCollect()).sort();
    expect(provided).toEqual(functions);
    expect(provided.filter((l) => l.startsWith("fired@")).length).toBeGreaterThan(7);
  });

  test("WindowedStream.aggregate(provider) in tumbling and merging session windows; lifecycle hooks run", async () => {
    const sum: AggregateFunction<number, number, number> = { createAccumulator: () => 0, add: (v, a) => a + v, merge: (a, b) => a + b, getResult: (a) => a };
    const calls = { created: 0, open: 0, close: 0, finishBatch: 0 };
    const provider: OperatorProvider = {
      name: "sum",
      createOperator(kind) {
        throw new EddyError(`[eddy] sum is a window aggregate, not a ${kind}`, { code: "INVALID_ARGUMENT" });
      },
      createAggregateFunction() {
        calls.created++;
        return { ...sum, open: () => void calls.open++, close: () => void calls.close++, finishBatch: () => void calls.finishBatch++ };
      },
    };
    for (const assigner of [TumblingEventTimeWindows.of(5_000), EventTimeSessionWindows.withGap(300)]) {
      const run = (fn: OperatorProvider | AggregateFunction<number, number, number>) =>
        timestamped(2).keyBy((v) => v % 5).window(assigner)
          .aggregate<number, number, string>(fn as AggregateFunction<number, number, number>, (key, ctx, results, out) => {
            for (const r of results) out.collect(`${key}|${ctx.window.start}|${ctx.window.end}|${r}`);
          })
          .executeAndCollect()
          .then((r) => r.sort());
      const provided = await run(provider);
      expect(provided.length).toBeGreaterThan(10);
      expect(provided).toEqual(await run(sum));
    }
    // per job: once at build time, then once per subtask, each opened and closed
    expect(calls.created).toBe(2 * 3);
    expect(calls.open).toBe(2 * 2);
    expect(calls.close).toBe(2 * 2);
    expect(calls.finishBatch).toBeGreaterThan(0);
  });
});

describe("OperatorProvider: refused at build time", () => {
  const mapOnly: OperatorProvider = {
    name: "upper",
    createOperator(kind) {
      if (kind !== "map") throw new EddyError(`[eddy] upper is a map, not a ${kind}`, { code: "INVALID_ARGUMENT" });
      return new BufferingProvider({ map: (v) => v }).createOperator(kind);
    },
  };

  test("a provider whose createOperator throws for a kind fails the builder call with its message", () => {
    const env = StreamExecutionEnvironment.create();
    const s = env.fromCollection([1, 2, 3]);
    expect(() => s.filter(mapOnly)).toThrow("[eddy] upper is a map, not a filter");
    expect(() => s.flatMap(mapOnly)).toThrow("[eddy] upper is a map, not a flatMap");
    expect(() => s.keyBy(mapOnly)).toThrow("[eddy] upper is a map, not a keySelector");
    expect(() => s.keyBy((v) => v).process(mapOnly)).toThrow("[eddy] upper is a map, not a keyedProcess");
    expect(() => WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(mapOnly)).toThrow("[eddy] upper is a map, not a timestampAssigner");
    expect(() => s.keyBy((v) => v).window(TumblingEventTimeWindows.of(1000)).aggregate(mapOnly)).toThrow(/upper cannot serve as an AggregateFunction/);
  });

  test("the refused builder call leaves the job runnable", async () => {
    const env = StreamExecutionEnvironment.create();
    const s = env.fromCollection([1, 2, 3]);
    expect(() => s.filter(mapOnly)).toThrow(EddyError);
    expect(await s.map<number>(mapOnly).executeAndCollect()).toEqual([1, 2, 3]);
  });
});
