import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";
import { boundedWatermarks } from "../watermarks.ts";

interface Pair {
  key: string;
  left: number;
  right: number;
}

const LOWER = -150;
const UPPER = 250;
const BOUND = 300;
const orders = () => timedEvents({ seed: 1_111, count: 200, keys: 6, step: 50, jitter: 200 });
const payments = () => timedEvents({ seed: 1_112, count: 200, keys: 6, step: 50, jitter: 200 });

/** Flink's interval join: right.ts within [left.ts + lower, left.ts + upper], bounds inclusive. */
const scenario: Scenario<Pair> = {
  name: "interval-join",
  description: "keyed intervalJoin().between(lower, upper) pairs every left with each right in its interval",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const left = env.fromCollection(orders()).assignTimestampsAndWatermarks(boundedWatermarks<TimedEvent>(BOUND));
    const right = env.fromCollection(payments()).assignTimestampsAndWatermarks(boundedWatermarks<TimedEvent>(BOUND));
    return left
      .keyBy((e) => e.key)
      .intervalJoin(right.keyBy((e) => e.key))
      .between(LOWER, UPPER)
      .process<Pair>((l, r, _ctx, out) => out.collect({ key: l.key, left: l.ts, right: r.ts }))
      ;
  },
  expected() {
    const out: Pair[] = [];
    const rights = payments();
    for (const l of orders()) {
      for (const r of rights) {
        if (r.key === l.key && r.ts >= l.ts + LOWER && r.ts <= l.ts + UPPER) {
          out.push({ key: l.key, left: l.ts, right: r.ts });
        }
      }
    }
    return out;
  },
};
export default scenario;
