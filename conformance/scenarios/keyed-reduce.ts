import type { StreamExecutionEnvironment } from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";

const input = () => timedEvents({ seed: 202, count: 400, keys: 5, step: 10, jitter: 0 });

/**
 * keyBy + reduce emits the running value per key after every element (Flink's rolling reduce).
 * The source (parallelism 1, as Flink's fromCollection) feeds keyBy directly: a parallel
 * operator in between would reorder elements of a key.
 */
const scenario: Scenario<TimedEvent> = {
  name: "keyed-reduce",
  description: "keyBy + reduce emits each key's running aggregate once per element, in arrival order per key",
  compare: { perKey: (e) => e.key },
  parallelism: 2,
  build(env) {
    return env
      .fromCollection(input())
      .keyBy((e) => e.key)
      .reduce((a, b) => ({ key: a.key, ts: b.ts, v: a.v + b.v }))
      ;
  },
  expected() {
    const running = new Map<string, TimedEvent>();
    const out: TimedEvent[] = [];
    for (const e of input()) {
      const previous = running.get(e.key);
      const next = previous === undefined ? e : { key: e.key, ts: e.ts, v: previous.v + e.v };
      running.set(e.key, next);
      out.push(next);
    }
    return out;
  },
};
export default scenario;
