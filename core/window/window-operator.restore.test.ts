/**
 * Checkpoint and restore: a window operator restored from a snapshot taken mid-stream emits
 * exactly what the uninterrupted operator emits.
 */
import { describe, expect, it } from "vitest";
import { OutputTag } from "../runtime/operator.ts";
import { OperatorTestHarness } from "../testing/operator-test-harness.ts";
import {
  CountTrigger,
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  WindowOperator,
  type WindowAssigner,
} from "./index.ts";
import { mulberry32 } from "./window-test-support.ts";

type Ev = { k: string; v: number };

function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function makeOperator(assigner: WindowAssigner<Ev, any>, withCountTrigger: boolean) {
  return new WindowOperator<Ev, unknown, any>({
    assigner,
    trigger: withCountTrigger ? CountTrigger.of(3) : undefined,
    allowedLateness: 5,
    lateDataTag: new OutputTag<Ev>("late"),
    function: {
      kind: "process",
      process: (key, ctx, els, out) =>
        out.collect({ key, end: (ctx.window as { end: number }).end, vs: [...els].map((e) => e.v).sort((a, b) => a - b) }),
    },
    name: "Window(restore)",
  });
}

type Step = { el: Ev; ts: number } | { wm: number };

describe("WindowOperator snapshot and restore", () => {
  const cases: [string, () => WindowAssigner<Ev, any>, boolean][] = [
    ["tumbling", () => TumblingEventTimeWindows.of(10), false],
    ["sliding", () => SlidingEventTimeWindows.of(10, 3), false],
    ["session", () => EventTimeSessionWindows.withGap(4), false],
    ["session + count trigger", () => EventTimeSessionWindows.withGap(4), true],
  ];
  for (const [name, assigner, count] of cases) {
    it(`${name}: restored output equals uninterrupted output`, async () => {
      for (let seed = 1; seed <= 30; seed++) {
        const rng = mulberry32(seed * 31337);
        const steps: Step[] = [];
        let t = 0;
        let wm = -Infinity;
        for (let i = 0; i < 120; i++) {
          t += randInt(rng, 0, 2);
          steps.push({ el: { k: `k${randInt(rng, 0, 3)}`, v: i }, ts: t - randInt(rng, 0, 12) });
          if (rng() < 0.2 && t - 6 > wm) steps.push({ wm: (wm = t - 6) });
        }
        steps.push({ wm: Infinity });
        const cut = randInt(rng, 1, steps.length - 1);
        const feed = (h: OperatorTestHarness<Ev, unknown>, s: Step) => ("wm" in s ? h.processWatermark(s.wm) : h.processElement(s.el, s.ts));
        const options = { keySelector: (e: Ev) => e.k };

        const whole = new OperatorTestHarness(makeOperator(assigner(), count), options);
        await whole.open();
        for (const s of steps) feed(whole, s);

        const first = new OperatorTestHarness(makeOperator(assigner(), count), options);
        await first.open();
        for (const s of steps.slice(0, cut)) feed(first, s);
        const snapshot = structuredClone(await first.snapshot(1));
        const second = await OperatorTestHarness.restore(makeOperator(assigner(), count), snapshot, options);
        // The restored operator resumes from the last watermark, as after a real restart.
        const lastWm = steps.slice(0, cut).reduce((w, s) => ("wm" in s ? s.wm : w), -Infinity);
        if (lastWm > -Infinity) second.host.timerService!.advanceWatermark(lastWm);
        for (const s of steps.slice(cut)) feed(second, s);
        // Keys firing at one timestamp may come in another order after a restore (timer order is per timestamp).
        const canonical = (events: typeof whole.events) =>
          events
            .filter((e) => e.kind !== "watermark")
            .map((e) => `${e.timestamp} ${JSON.stringify(e)}`)
            .sort();
        expect(canonical([...first.events, ...second.events]), `seed ${seed} cut ${cut}`).toEqual(canonical(whole.events));
      }
    });
  }
});
