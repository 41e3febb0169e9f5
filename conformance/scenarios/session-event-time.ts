import { EventTimeSessionWindows, type StreamExecutionEnvironment } from "../../core/index.ts";
import { groupBy, timedEvents } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";
import { keyedTimedEvents } from "../watermarks.ts";

interface Session {
  key: string;
  start: number;
  end: number;
  n: number;
}

const GAP = 700;
const BOUND = 200;
// jitter < BOUND: a session cannot fire and be purged before an element that would extend it.
const input = () => timedEvents({ seed: 505, count: 500, keys: 5, step: 100, jitter: 150 });

const scenario: Scenario<Session> = {
  name: "session-event-time",
  description: "event-time session windows merge elements closer than the gap into [first, last + gap)",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    return keyedTimedEvents(env, input(), BOUND)
      .window(EventTimeSessionWindows.withGap(GAP))
      .process((key, ctx, elements, out) => {
        let n = 0;
        for (const _ of elements) n++;
        out.collect({ key: String(key), start: ctx.window.start, end: ctx.window.end, n });
      })
      ;
  },
  expected() {
    const out: Session[] = [];
    for (const [key, events] of groupBy(input(), (e) => e.key)) {
      const times = events.map((e) => e.ts).sort((a, b) => a - b);
      let current: Session | undefined;
      for (const ts of times) {
        // Flink's TimeWindow.intersects: windows that touch ([a, b) and [b, c)) merge too.
        if (current !== undefined && ts <= current.end) {
          current.end = Math.max(current.end, ts + GAP);
          current.n++;
        } else {
          if (current !== undefined) out.push(current);
          current = { key, start: ts, end: ts + GAP, n: 1 };
        }
      }
      if (current !== undefined) out.push(current);
    }
    return out;
  },
};
export default scenario;
