import { type StreamExecutionEnvironment, TumblingEventTimeWindows } from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";
import { boundedWatermarks } from "../watermarks.ts";

type Output = { kind: "count"; key: string; sum: number } | { kind: "all"; n: number; sum: number };

const SIZE = 4;
const WINDOW = 2_000;
const BOUND = 300;
const input = () => timedEvents({ seed: 1_818, count: 301, keys: 3, step: 25, jitter: 200 });

/**
 * countWindow(n) fires and purges every n elements of a key (the incomplete tail is dropped at
 * the end of input, as in Flink); windowAll windows the whole stream at parallelism 1.
 */
const scenario: Scenario<Output> = {
  name: "count-window-and-window-all",
  description: "keyBy().countWindow(n) emits one result per n elements of a key; windowAll counts across keys",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const source = env.fromCollection(input());
    // keyBy straight after the source (parallelism 1): an operator in between would reorder a key's elements.
    const counted = source
      .keyBy((e) => e.key)
      .countWindow(SIZE)
      .reduce((a, b) => ({ key: a.key, ts: b.ts, v: a.v + b.v }))
      .map((e): Output => ({ kind: "count", key: e.key, sum: e.v }));
    const all = source
      .assignTimestampsAndWatermarks(boundedWatermarks<TimedEvent>(BOUND))
      .windowAll(TumblingEventTimeWindows.of(WINDOW))
      .aggregate({
        createAccumulator: () => ({ n: 0, sum: 0 }),
        add: (e: TimedEvent, acc: { n: number; sum: number }) => ({ n: acc.n + 1, sum: acc.sum + e.v }),
        getResult: (acc: { n: number; sum: number }): Output => ({ kind: "all", ...acc }),
        merge: (a: { n: number; sum: number }, b: { n: number; sum: number }) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
      });
    return counted.union(all);
  },
  expected() {
    const out: Output[] = [];
    const pending = new Map<string, number[]>();
    const windows = new Map<number, { n: number; sum: number }>();
    for (const e of input()) {
      const values = pending.get(e.key) ?? [];
      values.push(e.v);
      if (values.length === SIZE) {
        out.push({ kind: "count", key: e.key, sum: values.reduce((a, b) => a + b, 0) });
        pending.set(e.key, []);
      } else pending.set(e.key, values);
      const start = Math.floor(e.ts / WINDOW) * WINDOW;
      const w = windows.get(start) ?? { n: 0, sum: 0 };
      w.n++;
      w.sum += e.v;
      windows.set(start, w);
    }
    for (const w of windows.values()) out.push({ kind: "all", ...w });
    return out;
  },
};
export default scenario;
