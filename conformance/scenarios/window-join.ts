import { type StreamExecutionEnvironment, TumblingEventTimeWindows } from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";
import { boundedWatermarks } from "../watermarks.ts";

interface Pair {
  key: string;
  left: number;
  right: number;
}

const SIZE = 1_000;
const BOUND = 300;
const clicks = () => timedEvents({ seed: 1_414, count: 150, keys: 5, step: 60, jitter: 200 });
const views = () => timedEvents({ seed: 1_415, count: 150, keys: 5, step: 60, jitter: 200 });

/** Flink's window join: every (left, right) pair with equal keys in the same window, once. */
const scenario: Scenario<Pair> = {
  name: "window-join",
  description: "join().where().equalTo().window(tumbling).apply pairs elements of equal key in the same window",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const left = env.fromCollection(clicks()).assignTimestampsAndWatermarks(boundedWatermarks<TimedEvent>(BOUND));
    const right = env.fromCollection(views()).assignTimestampsAndWatermarks(boundedWatermarks<TimedEvent>(BOUND));
    return left
      .join(right)
      .where((l) => l.key)
      .equalTo((r) => r.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .apply((l, r): Pair => ({ key: l.key, left: l.ts, right: r.ts }))
      ;
  },
  expected() {
    const out: Pair[] = [];
    const rights = views();
    for (const l of clicks()) {
      for (const r of rights) {
        if (l.key === r.key && Math.floor(l.ts / SIZE) === Math.floor(r.ts / SIZE)) {
          out.push({ key: l.key, left: l.ts, right: r.ts });
        }
      }
    }
    return out;
  },
};
export default scenario;
