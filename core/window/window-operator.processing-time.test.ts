/**
 * Processing-time windows against a brute-force model: elements go to the windows of the
 * current clock time; a window fires, and is dropped, once the clock reaches its end - 1.
 */
import { describe, expect, it } from "vitest";
import type { Key } from "../state/types.ts";
import {
  ProcessingTimeSessionWindows,
  SlidingProcessingTimeWindows,
  TumblingProcessingTimeWindows,
  WindowOperator,
  type TimeWindow,
  type WindowAssigner,
} from "./index.ts";
import { drive, mulberry32, type Emitted } from "./window-test-support.ts";

type Ev = { k: string; v: number };
type Spec = { type: "tumbling"; size: number } | { type: "sliding"; size: number; slide: number } | { type: "session"; gap: number };
type Live = { start: number; end: number; vs: number[] };

function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** The model: per key the live windows with their elements. */
class Model {
  private readonly live = new Map<Key, Live[]>();
  constructor(private readonly spec: Spec) {}

  element(key: Key, v: number, now: number): void {
    let ws = this.live.get(key) ?? [];
    const s = this.spec;
    if (s.type === "session") {
      let cover = { start: now, end: now + s.gap };
      const absorbed: Live[] = [];
      for (let changed = true; changed; ) {
        changed = false;
        for (const w of ws) {
          if (!absorbed.includes(w) && w.start <= cover.end && cover.start <= w.end) {
            absorbed.push(w);
            cover = { start: Math.min(cover.start, w.start), end: Math.max(cover.end, w.end) };
            changed = true;
          }
        }
      }
      ws = ws.filter((w) => !absorbed.includes(w));
      ws.push({ ...cover, vs: [...absorbed.flatMap((w) => w.vs), v] });
    } else {
      const slide = s.type === "sliding" ? s.slide : s.size;
      for (let start = slide * Math.floor(now / slide); start + s.size > now; start -= slide) {
        let w = ws.find((x) => x.start === start);
        if (w === undefined) ws.push((w = { start, end: start + s.size, vs: [] }));
        w.vs.push(v);
      }
    }
    this.live.set(key, ws);
  }

  advance(to: number): Emitted[] {
    const out: Emitted[] = [];
    for (const [key, ws] of this.live) {
      for (const w of ws) {
        if (w.end - 1 <= to) out.push({ value: { key, start: w.start, end: w.end, vs: [...w.vs].sort((a, b) => a - b) }, ts: w.end - 1 });
      }
      this.live.set(key, ws.filter((w) => w.end - 1 > to));
    }
    return out;
  }
}

const canonical = (e: Emitted) => `${e.ts}|${JSON.stringify(e.value)}`;
const sorted = (xs: Emitted[]) => xs.sort((a, b) => a.ts - b.ts || (canonical(a) < canonical(b) ? -1 : 1));

describe("processing-time windows against the model", () => {
  for (const type of ["tumbling", "sliding", "session"] as const) {
    it(`${type}: 100 random runs`, async () => {
      for (let seed = 1; seed <= 100; seed++) {
        const rng = mulberry32(seed * 7777 + type.length);
        const size = randInt(rng, 2, 30);
        const spec: Spec =
          type === "tumbling" ? { type, size } : type === "sliding" ? { type, size, slide: randInt(rng, 1, size) } : { type, gap: randInt(rng, 2, 15) };
        const assigner: WindowAssigner<Ev, TimeWindow> =
          spec.type === "tumbling"
            ? TumblingProcessingTimeWindows.of(spec.size)
            : spec.type === "sliding"
              ? SlidingProcessingTimeWindows.of(spec.size, spec.slide)
              : ProcessingTimeSessionWindows.withGap(spec.gap);
        const start = randInt(rng, 0, 1000);
        const d = await drive(
          new WindowOperator<Ev, unknown, TimeWindow>({
            assigner,
            function: {
              kind: "process",
              process: (key, ctx, els, out) =>
                out.collect({ key, start: ctx.window.start, end: ctx.window.end, vs: [...els].map((e) => e.v).sort((a, b) => a - b) }),
            },
            name: "Window(processing time)",
          }),
          (e: Ev) => e.k,
          { startTime: start },
        );
        const model = new Model(spec);
        let now = start;
        for (let i = 0; i < 200; i++) {
          const r = rng();
          if (r < 0.6) {
            const k = `k${randInt(rng, 0, 3)}`;
            expect(d.element({ k, v: i }, Number.NaN)).toEqual([]);
            model.element(k, i, now);
          } else if (r < 0.95) {
            now += randInt(rng, 0, 8);
            const actual = d.advanceTime(now);
            for (let j = 1; j < actual.length; j++) expect(actual[j]!.ts).toBeGreaterThanOrEqual(actual[j - 1]!.ts);
            expect(sorted(actual), `seed ${seed} step ${i}`).toEqual(sorted(model.advance(now)));
          } else {
            // Watermarks do not move processing-time windows.
            expect(d.watermark(now + 1000)).toEqual([]);
          }
        }
        d.advanceTime(now + 100);
        expect(d.harness.numKeyedStateEntries()).toBe(0);
        expect(d.harness.numProcessingTimeTimers()).toBe(0);
      }
    });
  }
});
