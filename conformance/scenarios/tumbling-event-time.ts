import { TumblingEventTimeWindows } from "../../core/index.ts";
import { timedEvents } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";
import { keyedTimedEvents } from "../watermarks.ts";

interface WindowCount {
  key: string;
  start: number;
  end: number;
  n: number;
  sum: number;
}

const SIZE = 1_000;
const BOUND = 500;
// Disorder (jitter) stays below the bound, so no element is late whenever watermarks are emitted.
const input = () => timedEvents({ seed: 303, count: 600, keys: 4, step: 37, jitter: 400 });

const scenario: Scenario<WindowCount> = {
  name: "tumbling-event-time",
  description: "keyed tumbling event-time windows with bounded out-of-orderness count every element once",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    return keyedTimedEvents(env, input(), BOUND)
      .window(TumblingEventTimeWindows.of(SIZE))
      .process((key, ctx, elements, out) => {
        let n = 0;
        let sum = 0;
        for (const e of elements) {
          n++;
          sum += e.v;
        }
        out.collect({ key: String(key), start: ctx.window.start, end: ctx.window.end, n, sum });
      })
      ;
  },
  expected() {
    const windows = new Map<string, WindowCount>();
    for (const e of input()) {
      const start = Math.floor(e.ts / SIZE) * SIZE;
      const id = `${e.key}@${start}`;
      const w = windows.get(id) ?? { key: e.key, start, end: start + SIZE, n: 0, sum: 0 };
      w.n++;
      w.sum += e.v;
      windows.set(id, w);
    }
    return [...windows.values()];
  },
};
export default scenario;
