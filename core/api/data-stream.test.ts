import { describe, expect, test } from "vitest";
import {
  type CoProcessFunction,
  EddyError,
  type KeyedProcessFunction,
  OutputTag,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
} from "../index.ts";
import { mulberry32 as seeded } from "../testing/random.ts";


const byNumber = (a: number, b: number): number => a - b;

/** Emits max timestamp - 1 after every element, so tests do not depend on the periodic timer. */
function perEventWatermarks<T>(timestamp: (e: T) => number): WatermarkStrategy<T> {
  return WatermarkStrategy.forGenerator<T>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent: (_e, ts, out) => {
        max = Math.max(max, ts);
        out.emitWatermark(max - 1);
      },
      onPeriodicEmit: () => {},
    };
  }).withTimestampAssigner((e) => timestamp(e));
}

describe("stateless transformations", () => {
  test("map, filter and flatMap (collector and returned iterable) at parallelism 3", async () => {
    const input = Array.from({ length: 2000 }, (_, i) => i);
    const env = StreamExecutionEnvironment.create({ parallelism: 3 });
    const out = await env
      .fromCollection(input)
      .map((x) => x * 3)
      .filter((x) => x % 2 === 0)
      .flatMap<number>((x, c) => {
        c.collect(x);
        c.collect(-x);
      })
      .flatMap((x) => (x > 0 ? [x, x + 1] : []))
      .executeAndCollect();
    const expected: number[] = [];
    for (const x of input) {
      const y = x * 3;
      if (y % 2 !== 0) continue;
      for (const z of [y, -y]) if (z > 0) expected.push(z, z + 1);
    }
    expect(out.sort(byNumber)).toEqual(expected.sort(byNumber));
  });

  test("records keep their order through a parallelism-1 chain", async () => {
    const env = StreamExecutionEnvironment.create();
    const input = Array.from({ length: 5000 }, (_, i) => `r${i}`);
    expect(await env.fromCollection(input).map((s) => s.toUpperCase()).executeAndCollect()).toEqual(input.map((s) => s.toUpperCase()));
  });

  test("union merges streams; rebalance and broadcast deliver as promised", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 4 });
    const a = env.fromCollection([1, 2, 3]);
    const b = env.fromCollection([10, 20]);
    const merged = await a.union(b).rebalance().map((x) => x).executeAndCollect();
    expect(merged.sort(byNumber)).toEqual([1, 2, 3, 10, 20]);

    const env2 = StreamExecutionEnvironment.create({ parallelism: 4 });
    const seen = await env2
      .fromCollection([7, 8])
      .broadcast()
      .process<string>((v, _ctx, out) => out.collect(String(v)))
      .executeAndCollect();
    // Every one of the 4 subtasks sees every record.
    expect(seen.sort()).toEqual(["7", "7", "7", "7", "8", "8", "8", "8"]);
  });

  test("the generator source yields every index exactly once at any parallelism", async () => {
    for (const parallelism of [1, 2, 3]) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const out = await env.fromGenerator({ generate: (i) => i, count: 10_007 }).executeAndCollect();
      expect(out.length).toBe(10_007);
      expect(new Set(out).size).toBe(10_007);
    }
  });

  test("generated records depend on the seed and index only, not on parallelism", async () => {
    const run = async (parallelism: number) => {
      const env = StreamExecutionEnvironment.create({ parallelism });
      return (await env.fromGenerator({ generate: (i, ctx) => `${i}:${ctx.random().toFixed(6)}:${ctx.timestamp}`, count: 3000, seed: 7, disorder: { fraction: 0.2, maxDelayMs: 50 } }).executeAndCollect()).sort();
    };
    expect(await run(1)).toEqual(await run(3));
  });
});

describe("keyed streams", () => {
  test("keyBy + reduce emits the running value per key", async () => {
    const random = seeded(3);
    const input = Array.from({ length: 3000 }, () => ({ k: `k${Math.floor(random() * 17)}`, v: Math.floor(random() * 100) }));
    const env = StreamExecutionEnvironment.create({ parallelism: 3 });
    const out = await env
      .fromCollection(input)
      .keyBy((e) => e.k)
      .reduce((a, b) => ({ k: a.k, v: a.v + b.v }))
      .executeAndCollect();
    // Per key, the emitted values are the prefix sums in input order.
    const expected = new Map<string, number[]>();
    const sums = new Map<string, number>();
    for (const e of input) {
      const s = (sums.get(e.k) ?? 0) + e.v;
      sums.set(e.k, s);
      expected.set(e.k, [...(expected.get(e.k) ?? []), s]);
    }
    const actual = new Map<string, number[]>();
    for (const e of out) actual.set(e.k, [...(actual.get(e.k) ?? []), e.v]);
    expect(actual).toEqual(expected);
  });

  test("sum, min and max by field", async () => {
    const env = StreamExecutionEnvironment.create();
    const rows = [
      { k: "a", n: 3 },
      { k: "a", n: 1 },
      { k: "b", n: 5 },
      { k: "a", n: 7 },
    ];
    const keyed = () => env.fromCollection(rows).keyBy((r) => r.k);
    expect((await keyed().sum("n").executeAndCollect()).map((r) => r.n)).toEqual([3, 4, 5, 11]);
    expect((await keyed().min("n").executeAndCollect()).map((r) => r.n)).toEqual([3, 1, 5, 1]);
    expect((await keyed().max("n").executeAndCollect()).map((r) => r.n)).toEqual([3, 3, 5, 7]);
  });

  test("KeyedProcessFunction with value state and event-time timers", async () => {
    // Per key: count elements; a timer at last-seen + 100 emits the count if no newer element came.
    const random = seeded(11);
    let ts = 0;
    const input = Array.from({ length: 400 }, () => ({ k: Math.floor(random() * 5), ts: (ts += Math.floor(random() * 30)) }));
    const fn: KeyedProcessFunction<number, { k: number; ts: number }, string> = {
      processElement(value, ctx) {
        const count = ctx.getState(new ValueStateDescriptor<number>("count", 0));
        const last = ctx.getState(new ValueStateDescriptor<number>("last"));
        count.update((count.value() ?? 0) + 1);
        last.update(value.ts);
        ctx.timerService().registerEventTimeTimer(value.ts + 100);
      },
      onTimer(timestamp, ctx, out) {
        const last = ctx.getState(new ValueStateDescriptor<number>("last"));
        if (last.value()! + 100 === timestamp) out.collect(`${ctx.getCurrentKey()}@${timestamp}:${ctx.getState(new ValueStateDescriptor<number>("count", 0)).value()}`);
      },
    };
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const out = await env
      .fromCollection(input, perEventWatermarks<{ k: number; ts: number }>((e) => e.ts))
      .keyBy((e) => e.k)
      .process(fn)
      .executeAndCollect();
    // Reference: a sequential simulation; after each element the watermark becomes ts - 1.
    const expected: string[] = [];
    const count = new Map<number, number>();
    const last = new Map<number, number>();
    const timers = new Set<string>();
    const fire = (wm: number) => {
      const due = [...timers].map((t) => t.split("@").map(Number) as [number, number]).filter(([, t]) => t <= wm);
      for (const [k, t] of due) {
        timers.delete(`${k}@${t}`);
        if (last.get(k)! + 100 === t) expected.push(`${k}@${t}:${count.get(k)}`);
      }
    };
    for (const e of input) {
      count.set(e.k, (count.get(e.k) ?? 0) + 1);
      last.set(e.k, e.ts);
      timers.add(`${e.k}@${e.ts + 100}`);
      fire(e.ts - 1);
    }
    fire(Number.POSITIVE_INFINITY);
    expect(out.sort()).toEqual(expected.sort());
  });

  test("connect + CoProcessFunction sees both inputs", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const numbers = env.fromCollection([1, 2, 3]);
    const words = env.fromCollection(["a", "bb"]);
    const fn: CoProcessFunction<number, string, string> = {
      processElement1: (v, _ctx, out) => out.collect(`n${v}`),
      processElement2: (v, _ctx, out) => out.collect(`w${v.length}`),
    };
    expect((await numbers.connect(words).process(fn).executeAndCollect()).sort()).toEqual(["n1", "n2", "n3", "w1", "w2"]);
  });

  test("keyed connect shares state per key across both inputs", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 3 });
    const rules = env.fromCollection([{ k: "x", factor: 10 }, { k: "y", factor: 100 }]);
    const values = env.fromCollection(Array.from({ length: 30 }, (_, i) => ({ k: i % 2 === 0 ? "x" : "y", v: i })));
    const out = await rules
      .connect(values)
      .keyBy((r) => r.k, (v) => v.k)
      .process<string>({
        processElement1(rule, ctx, out) {
          ctx.getState(new ValueStateDescriptor<number>("factor")).update(rule.factor);
          // Values of this key that came before their rule are released now.
          const pending = ctx.getState(new ValueStateDescriptor<number[]>("pending", []));
          for (const v of pending.value() ?? []) out.collect(`${rule.k}:${v * rule.factor}`);
          pending.clear();
        },
        processElement2(value, ctx, out) {
          const factor = ctx.getState(new ValueStateDescriptor<number>("factor")).value();
          const pending = ctx.getState(new ValueStateDescriptor<number[]>("pending", []));
          if (factor === undefined) pending.update([...(pending.value() ?? []), value.v]);
          else out.collect(`${value.k}:${value.v * factor}`);
        },
      })
      .executeAndCollect();
    // Whatever the order of the two sources, every value comes out once, with its own key's factor.
    const expected = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? `x:${i * 10}` : `y:${i * 100}`));
    expect(out.sort()).toEqual(expected.sort());
  });
});

describe("side outputs", () => {
  test("process function routes records to a side output", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const odd = new OutputTag<number>("odd");
    const main = env.fromCollection(Array.from({ length: 100 }, (_, i) => i)).process<number>((v, ctx, out) => {
      if (v % 2 === 0) out.collect(v);
      else ctx.output(odd, v);
    });
    const sideResults: number[] = [];
    main.getSideOutput(odd).sinkTo({ createWriter: () => ({ write: (v) => void sideResults.push(v), flush: () => {} }) });
    const evens = await main.executeAndCollect();
    expect(evens.sort(byNumber)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(sideResults.sort(byNumber)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2 + 1));
  });

  test("late window data goes to the side output, on time data to the window", async () => {
    const env = StreamExecutionEnvironment.create();
    const late = new OutputTag<{ ts: number }>("late");
    // Watermark after each element = max ts - 1; ts 5 arrives after the window [0,10) fired.
    const input = [{ ts: 1 }, { ts: 2 }, { ts: 12 }, { ts: 5 }, { ts: 13 }];
    const counts = env
      .fromCollection(input, perEventWatermarks<{ ts: number }>((e) => e.ts))
      .keyBy(() => "all")
      .window(TumblingEventTimeWindows.of(10))
      .sideOutputLateData(late)
      .process<string>((_k, ctx, elements, out) => out.collect(`${ctx.window.start}:${[...elements].length}`));
    const lateSeen: number[] = [];
    counts.getSideOutput(late).sinkTo({ createWriter: () => ({ write: (e) => void lateSeen.push(e.ts), flush: () => {} }) });
    expect(await counts.executeAndCollect()).toEqual(["0:2", "10:2"]);
    expect(lateSeen).toEqual([5]);
  });
});

describe("errors name what was wrong", () => {
  test("a job without a sink is refused when built", async () => {
    const env = StreamExecutionEnvironment.create();
    env.fromCollection([1]).map((x) => x);
    await expect(env.execute()).rejects.toThrow(/no sink/);
  });

  test("window size <= 0 is refused when the job is built", () => {
    expect(() => TumblingEventTimeWindows.of(0)).toThrow(EddyError);
    expect(() => TumblingEventTimeWindows.of(-5)).toThrow(/size/);
  });

  test("a key selector returning undefined fails the job naming the operator", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const run = env
      .fromCollection([{ a: 1 }, { b: 2 }] as { a?: number }[])
      .keyBy((e) => e.a as number)
      .reduce((x) => x, "sum by a")
      .executeAndCollect();
    await expect(run).rejects.toThrow(/sum by a.*undefined|undefined.*sum by a/s);
  });

  test("an exception in user code fails the job with the operator's name and the cause", async () => {
    const env = StreamExecutionEnvironment.create();
    const run = env
      .fromCollection([1, 2, 3])
      .map((x) => {
        if (x === 2) throw new Error("boom at two");
        return x;
      }, "fragile map")
      .executeAndCollect();
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EddyError);
    expect((error as EddyError).operator).toBe("fragile map");
    expect((error as EddyError).message).toMatch(/fragile map/);
    expect((error as EddyError).message).toMatch(/boom at two/);
  });

  test("non-function arguments are refused at once", () => {
    const env = StreamExecutionEnvironment.create();
    const s = env.fromCollection([1]);
    expect(() => s.map(42 as unknown as (x: number) => number)).toThrow(/map\(\).*function/);
    expect(() => s.keyBy("field" as unknown as (x: number) => string)).toThrow(/key selector/);
    expect(() => StreamExecutionEnvironment.create({ parallelism: 0 })).toThrow(/parallelism/);
  });
});

describe("count windows", () => {
  test("tumbling and sliding count windows per key", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const input = Array.from({ length: 23 }, (_, i) => ({ k: i % 2, v: i }));
    const tumbling = await env
      .fromCollection(input)
      .keyBy((e) => e.k)
      .countWindow(3)
      .process<string>((k, _ctx, els, out) => out.collect(`${k}:${[...els].map((e) => e.v).join(",")}`))
      .executeAndCollect();
    const expected: string[] = [];
    for (const k of [0, 1]) {
      const vs = input.filter((e) => e.k === k).map((e) => e.v);
      for (let i = 0; i + 3 <= vs.length; i += 3) expected.push(`${k}:${vs.slice(i, i + 3).join(",")}`);
    }
    expect(tumbling.sort()).toEqual(expected.sort());

    const sliding = await env
      .fromCollection(input)
      .keyBy((e) => e.k)
      .countWindow(4, 2)
      .process<string>((k, _ctx, els, out) => out.collect(`${k}:${[...els].map((e) => e.v).join(",")}`))
      .executeAndCollect();
    const expectedSliding: string[] = [];
    for (const k of [0, 1]) {
      const vs = input.filter((e) => e.k === k).map((e) => e.v);
      // Fires every 2 records with the last (up to) 4 records of the key.
      for (let n = 2; n <= vs.length; n += 2) expectedSliding.push(`${k}:${vs.slice(Math.max(0, n - 4), n).join(",")}`);
    }
    expect(sliding.sort()).toEqual(expectedSliding.sort());
  });
});
