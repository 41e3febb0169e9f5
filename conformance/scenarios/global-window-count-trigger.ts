import { CountTrigger, GlobalWindows, StreamExecutionEnvironment } from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";

interface Sum {
  key: string;
  n: number;
  total: number;
}

const EVERY = 3;
const input = () => timedEvents({ seed: 1_313, count: 200, keys: 4, step: 10, jitter: 0 });

/**
 * GlobalWindows never end, and CountTrigger fires without purging: every EVERY-th element
 * re-emits the aggregate of everything so far; the incomplete tail is never emitted (end of
 * input fires no global window).
 */
const scenario: Scenario<Sum> = {
  name: "global-window-count-trigger",
  description: "GlobalWindows with CountTrigger.of(n) fires every n elements per key over all elements so far",
  compare: { perKey: (s) => s.key },
  parallelism: 2,
  build(env) {
    return env
      .fromCollection(input())
      .keyBy((e) => e.key)
      .window(GlobalWindows.create())
      .trigger(CountTrigger.of(EVERY))
      .aggregate({
        createAccumulator: (): Sum => ({ key: "", n: 0, total: 0 }),
        add: (e: TimedEvent, acc: Sum): Sum => ({ key: e.key, n: acc.n + 1, total: acc.total + e.v }),
        getResult: (acc: Sum): Sum => acc,
        merge: (a: Sum, b: Sum): Sum => ({ key: a.key || b.key, n: a.n + b.n, total: a.total + b.total }),
      })
      ;
  },
  expected() {
    const running = new Map<string, Sum>();
    const out: Sum[] = [];
    for (const e of input()) {
      const previous = running.get(e.key) ?? { key: e.key, n: 0, total: 0 };
      const next = { key: e.key, n: previous.n + 1, total: previous.total + e.v };
      running.set(e.key, next);
      if (next.n % EVERY === 0) out.push(next);
    }
    return out;
  },
};
export default scenario;
