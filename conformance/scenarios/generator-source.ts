import { type StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../../core/index.ts";
import { hashToUnit } from "../random.ts";
import type { Scenario } from "../scenario.ts";

interface Reading {
  key: string;
  ts: number;
  v: number;
}

interface WindowSum {
  key: string;
  start: number;
  sum: number;
}

const SEED = 1_212;
const COUNT = 2_000;
const SIZE = 1_000;

/** Record i depends only on (SEED, i): the source's subtasks may produce any share of the indices. */
function reading(i: number): Reading {
  return {
    key: `k${Math.floor(hashToUnit(SEED, i) * 5)}`,
    ts: 1_000_000 + i * 7,
    v: Math.floor(hashToUnit(SEED + 1, i) * 100),
  };
}

const scenario: Scenario<WindowSum> = {
  name: "generator-source",
  description: "a bounded, seeded fromGenerator source at parallelism 2 produces each index once, windowed by event time",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    return env
      .fromGenerator({ generate: (i: number) => reading(i), count: COUNT, seed: SEED })
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<Reading>(SIZE).withTimestampAssigner((r) => r.ts),
      )
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .reduce((a, b) => ({ key: a.key, ts: Math.min(a.ts, b.ts), v: a.v + b.v }))
      .map((r): WindowSum => ({ key: r.key, start: Math.floor(r.ts / SIZE) * SIZE, sum: r.v }))
      ;
  },
  expected() {
    const sums = new Map<string, WindowSum>();
    for (let i = 0; i < COUNT; i++) {
      const r = reading(i);
      const start = Math.floor(r.ts / SIZE) * SIZE;
      const id = `${r.key}@${start}`;
      const w = sums.get(id) ?? { key: r.key, start, sum: 0 };
      w.sum += r.v;
      sums.set(id, w);
    }
    return [...sums.values()];
  },
};
export default scenario;
