import { OutputTag, type StreamExecutionEnvironment, TumblingEventTimeWindows } from "../../core/index.ts";
import { SeededRandom } from "../random.ts";
import type { Scenario, TimedEvent } from "../scenario.ts";
import { perEventWatermarks, watermarkAfter } from "../watermarks.ts";

type Output =
  | { kind: "fire"; key: string; start: number; n: number }
  | { kind: "late"; key: string; ts: number };

const SIZE = 1_000;
const BOUND = 200;
const LATENESS = 500;

/** Mostly ordered events; about one in ten is held back by 0.3 to 2.5 s, some within the allowed lateness. */
function input(): TimedEvent[] {
  const random = new SeededRandom(606);
  const events: TimedEvent[] = [];
  for (let i = 0; i < 400; i++) {
    let ts = 1_000_000 + i * 40 + random.int(0, 100);
    if (random.chance(0.1)) ts -= random.int(300, 2_500);
    events.push({ key: `k${random.int(0, 2)}`, ts, v: random.int(1, 100) });
  }
  return events;
}

const scenario: Scenario<Output> = {
  name: "tumbling-allowed-lateness",
  description:
    "allowedLateness re-fires a window per late element and sideOutputLateData gets elements past it",
  compare: "unordered",
  parallelism: 1,
  build(env) {
    // Parallelism 1: one watermark path, so lateness is decided exactly as simulated below.
    const late = new OutputTag<TimedEvent>("late");
    const fired = env
      .fromCollection(input())
      .assignTimestampsAndWatermarks(perEventWatermarks<TimedEvent>(BOUND))
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .allowedLateness(LATENESS)
      .sideOutputLateData(late)
      .process<Output>((key, ctx, elements, out) => {
        let n = 0;
        for (const _ of elements) n++;
        out.collect({ kind: "fire", key: String(key), start: ctx.window.start, n });
      });
    const lateOut = fired.getSideOutput(late).map((e): Output => ({ kind: "late", key: e.key, ts: e.ts }));
    return fired.union(lateOut);
  },
  expected() {
    // Flink's WindowOperator with EventTimeTrigger: an element whose window's max timestamp plus
    // the lateness is at or below the watermark is late; one whose window already passed the
    // watermark (but is not late) fires the window at once; the watermark fires the rest.
    const events = input();
    const watermarks = watermarkAfter(events.map((e) => e.ts), BOUND);
    const windows = new Map<string, { key: string; start: number; n: number; timerPending: boolean }>();
    const out: Output[] = [];
    const fireDue = (watermark: number) => {
      for (const w of windows.values()) {
        if (w.timerPending && w.start + SIZE - 1 <= watermark) {
          w.timerPending = false;
          out.push({ kind: "fire", key: w.key, start: w.start, n: w.n });
        }
      }
    };
    let watermark = Number.NEGATIVE_INFINITY;
    events.forEach((e, i) => {
      const start = Math.floor(e.ts / SIZE) * SIZE;
      const maxTimestamp = start + SIZE - 1;
      if (maxTimestamp + LATENESS <= watermark) {
        out.push({ kind: "late", key: e.key, ts: e.ts });
      } else {
        const id = `${e.key}@${start}`;
        const w = windows.get(id) ?? { key: e.key, start, n: 0, timerPending: false };
        windows.set(id, w);
        w.n++;
        if (maxTimestamp <= watermark) out.push({ kind: "fire", key: w.key, start, n: w.n });
        else w.timerPending = true;
      }
      watermark = Math.max(watermark, watermarks[i]!);
      fireDue(watermark);
    });
    fireDue(Number.POSITIVE_INFINITY);
    return out;
  },
};
export default scenario;
