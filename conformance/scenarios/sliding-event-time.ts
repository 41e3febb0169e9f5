import { SlidingEventTimeWindows, type StreamExecutionEnvironment } from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";
import { keyedTimedEvents } from "../watermarks.ts";

interface Average {
  key: string;
  n: number;
  sum: number;
}

const SIZE = 2_000;
const SLIDE = 500;
const BOUND = 300;
const input = () => timedEvents({ seed: 404, count: 500, keys: 3, step: 41, jitter: 250 });

/** Sliding windows put each element in size/slide windows; aggregate folds them incrementally. */
const scenario: Scenario<Average> = {
  name: "sliding-event-time",
  description: "keyed sliding event-time windows with an AggregateFunction see each element in size/slide windows",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    return keyedTimedEvents(env, input(), BOUND)
      .window(SlidingEventTimeWindows.of(SIZE, SLIDE))
      .aggregate({
        createAccumulator: (): Average => ({ key: "", n: 0, sum: 0 }),
        add: (e: TimedEvent, acc: Average): Average => ({ key: e.key, n: acc.n + 1, sum: acc.sum + e.v }),
        getResult: (acc: Average): Average => acc,
        merge: (a: Average, b: Average): Average => ({ key: a.key || b.key, n: a.n + b.n, sum: a.sum + b.sum }),
      })
      ;
  },
  expected() {
    const windows = new Map<string, Average>();
    for (const e of input()) {
      // Flink's SlidingEventTimeWindows.assignWindows: from the last start down while start > ts - size.
      const lastStart = e.ts - (e.ts % SLIDE);
      for (let start = lastStart; start > e.ts - SIZE; start -= SLIDE) {
        const id = `${e.key}@${start}`;
        const w = windows.get(id) ?? { key: e.key, n: 0, sum: 0 };
        w.n++;
        w.sum += e.v;
        windows.set(id, w);
      }
    }
    return [...windows.values()];
  },
};
export default scenario;
