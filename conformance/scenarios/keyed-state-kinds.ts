import {
  AggregatingStateDescriptor,
  type KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StreamExecutionEnvironment,
} from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";

interface Summary {
  key: string;
  lastThree: number[];
  buckets: [number, number][];
  max: number;
  mean: number;
}

const input = () => timedEvents({ seed: 1_515, count: 300, keys: 4, step: 10, jitter: 0 });

/** List, map, reducing and aggregating state, each scoped to the current key. */
const scenario: Scenario<Summary> = {
  name: "keyed-state-kinds",
  description: "ListState, MapState, ReducingState and AggregatingState keep separate values per key",
  compare: { perKey: (s) => s.key },
  parallelism: 2,
  build(env) {
    const recent = new ListStateDescriptor<number>("recent");
    const buckets = new MapStateDescriptor<number, number>("buckets");
    const max = new ReducingStateDescriptor<number>("max", (a, b) => Math.max(a, b));
    const mean = new AggregatingStateDescriptor<number, { sum: number; n: number }, number>("mean", {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
      getResult: (acc) => Math.floor(acc.sum / acc.n),
      merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
    });
    const summarize: KeyedProcessFunction<string, TimedEvent, Summary> = {
      processElement(e, ctx, out) {
        const list = ctx.getState(recent);
        list.add(e.v);
        list.update(list.get().slice(-3));
        const map = ctx.getState(buckets);
        map.put(e.v % 4, (map.get(e.v % 4) ?? 0) + 1);
        ctx.getState(max).add(e.v);
        ctx.getState(mean).add(e.v);
        out.collect({
          key: ctx.getCurrentKey(),
          lastThree: list.get(),
          buckets: map.entries().sort((a, b) => a[0] - b[0]),
          max: ctx.getState(max).get()!,
          mean: ctx.getState(mean).get()!,
        });
      },
    };
    return env
      .fromCollection(input())
      .keyBy((e) => e.key)
      .process(summarize)
      ;
  },
  expected() {
    const perKey = new Map<string, { values: number[]; buckets: Map<number, number> }>();
    const out: Summary[] = [];
    for (const e of input()) {
      let s = perKey.get(e.key);
      if (s === undefined) perKey.set(e.key, (s = { values: [], buckets: new Map() }));
      s.values.push(e.v);
      s.buckets.set(e.v % 4, (s.buckets.get(e.v % 4) ?? 0) + 1);
      out.push({
        key: e.key,
        lastThree: s.values.slice(-3),
        buckets: [...s.buckets.entries()].sort((a, b) => a[0] - b[0]),
        max: Math.max(...s.values),
        mean: Math.floor(s.values.reduce((a, b) => a + b, 0) / s.values.length),
      });
    }
    return out;
  },
};
export default scenario;
