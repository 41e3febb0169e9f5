/**
 * Window joins, co-groups and interval joins against brute-force nested loops.
 */
import { describe, expect, it } from "vitest";
import { OutputTag } from "../runtime/operator.ts";
import { OperatorTestHarness } from "../testing/operator-test-harness.ts";
import {
  EventTimeSessionWindows,
  IntervalJoinOperator,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  createWindowCoGroupOperator,
  createWindowJoinOperator,
} from "./index.ts";
import { ReferenceWindowModel, referenceIntervalJoin, type RefEvent } from "./reference-model.ts";
import { drive, mulberry32, type Emitted } from "./window-test-support.ts";

type L = { id: string; lv: number };
type R = { id: string; rv: number };
const keyL = (x: L) => x.id;
const keyR = (x: R) => x.id;

function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Both inputs interleaved, out of order, with bounded-out-of-orderness watermarks. */
function genTwoInputs(rng: () => number, n: number): RefEvent<L | R>[] {
  const bound = randInt(rng, 0, 20);
  const nKeys = randInt(rng, 1, 4);
  const events: RefEvent<L | R>[] = [];
  let t = randInt(rng, -200, 200);
  let maxTs = Number.NEGATIVE_INFINITY;
  let wm = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    t += randInt(rng, 0, 3);
    const ts = t - (rng() < 0.1 ? randInt(rng, 0, 3 * bound + 10) : randInt(rng, 0, bound));
    const id = `k${randInt(rng, 0, nKeys - 1)}`;
    const input = rng() < 0.5 ? 0 : 1;
    const value = input === 0 ? { id, lv: i } : { id, rv: i };
    events.push({ type: "element", key: id, value, ts, input });
    maxTs = Math.max(maxTs, ts);
    if (rng() < 0.15 && maxTs - bound - 1 > wm) {
      wm = maxTs - bound - 1;
      events.push({ type: "watermark", ts: wm });
    }
  }
  if (rng() < 0.7) events.push({ type: "watermark", ts: Number.POSITIVE_INFINITY });
  return events;
}

const canonical = (e: Emitted) => `${e.ts}|${e.tag ?? ""}|${JSON.stringify(e.value)}`;
const sortEmitted = (xs: Emitted[]) => xs.sort((a, b) => a.ts - b.ts || (canonical(a) < canonical(b) ? -1 : 1));

describe("window join", () => {
  it("emits the cross product per key and window with the window's max timestamp", async () => {
    const d = await drive(
      createWindowJoinOperator<L, R, string>({
        assigner: TumblingEventTimeWindows.of(10),
        join: (l, r) => `${l.id}:${l.lv}-${r.rv}`,
        name: "Join",
      }),
      keyL as never,
      { secondKey: keyR },
    );
    d.element({ id: "a", lv: 1 }, 1, 0);
    d.element({ id: "a", lv: 2 }, 2, 0);
    d.element({ id: "a", rv: 10 } as never, 3, 1);
    d.element({ id: "a", rv: 11 } as never, 12, 1);
    d.element({ id: "b", lv: 5 }, 4, 0);
    expect(d.watermark(100)).toEqual([
      { value: "a:1-10", ts: 9 },
      { value: "a:2-10", ts: 9 },
    ]);
  });

  it("co-group sees both sides, either possibly empty", async () => {
    const d = await drive(
      createWindowCoGroupOperator<L, R, string>({
        assigner: TumblingEventTimeWindows.of(10),
        coGroup: (ls, rs, out) => out.collect(`${ls.map((l) => l.lv)}|${rs.map((r) => r.rv)}`),
        name: "CoGroup",
      }),
      keyL as never,
      { secondKey: keyR },
    );
    d.element({ id: "a", lv: 1 }, 1, 0);
    d.element({ id: "a", rv: 7 } as never, 15, 1);
    expect(d.watermark(100)).toEqual([
      { value: "1|", ts: 9 },
      { value: "|7", ts: 19 },
    ]);
  });

  it("rejects options without exactly one join function", () => {
    expect(() => createWindowJoinOperator({ assigner: TumblingEventTimeWindows.of(10), name: "J" })).toThrow(/J: give exactly one/);
  });

  for (const kind of ["tumbling", "sliding", "session"] as const) {
    it(`${kind}: matches nested loops over each window's elements on 150 random inputs`, async () => {
      for (let seed = 1; seed <= 150; seed++) {
        const rng = mulberry32(seed * 104729 + kind.length);
        const lateness = rng() < 0.5 ? 0 : randInt(rng, 1, 20);
        const size = randInt(rng, 2, 30);
        const slide = randInt(rng, 1, size);
        const assigner =
          kind === "tumbling"
            ? TumblingEventTimeWindows.of(size)
            : kind === "sliding"
              ? SlidingEventTimeWindows.of(size, slide)
              : EventTimeSessionWindows.withGap(randInt(rng, 1, 15));
        const windowing =
          kind === "tumbling"
            ? { type: kind, size }
            : kind === "sliding"
              ? { type: kind, size, slide }
              : { type: kind, gap: (assigner as EventTimeSessionWindows).gap };
        const operator = createWindowJoinOperator<L, R, string>({
          assigner,
          allowedLateness: lateness,
          join: (l, r) => `${l.id}:${l.lv}-${r.rv}`,
          name: "Join",
        });
        const d = await drive(operator, keyL as never, { secondKey: keyR });
        // The reference keeps tagged elements; the join is a nested loop over each window's two sides.
        const model = new ReferenceWindowModel<{ input: number; value: L | R }, string>(windowing, lateness, false, (key, _s, _e, els) => {
          const out: string[] = [];
          for (const l of els) {
            if (l.input !== 0) continue;
            for (const r of els) if (r.input === 1) out.push(`${key}:${(l.value as L).lv}-${(r.value as R).rv}`);
          }
          return out;
        });
        const events = genTwoInputs(rng, randInt(rng, 10, 200));
        for (const [i, event] of events.entries()) {
          const expected = (
            event.type === "element"
              ? model.process({ ...event, value: { input: event.input ?? 0, value: event.value } })
              : model.process(event)
          ).map((o) => ({ value: o.value, ts: o.ts }));
          const actual = event.type === "element" ? d.element(event.value as L, event.ts, event.input) : d.watermark(event.ts);
          if (event.type === "watermark" || kind === "session") {
            sortEmitted(actual);
            sortEmitted(expected);
          }
          expect(actual, `seed ${seed} event #${i}`).toEqual(expected);
        }
        expect(operator.numLateRecordsDropped).toBe(model.dropped);
      }
    });
  }
});

describe("interval join", () => {
  it("joins right elements within [left + lower, left + upper] with timestamp max(left, right)", async () => {
    const late = new OutputTag<L>("late-left");
    const d = await drive(
      new IntervalJoinOperator<L, R, string>({
        lowerBound: -2,
        upperBound: 3,
        leftLateDataTag: late,
        process: (l, r, ctx, out) => out.collect(`${l.lv}-${r.rv}@${ctx.leftTimestamp},${ctx.rightTimestamp},${ctx.timestamp}`),
        name: "IntervalJoin",
      }),
      keyL as never,
      { secondKey: keyR },
    );
    d.element({ id: "a", lv: 1 }, 10, 0);
    expect(d.element({ id: "a", rv: 2 } as never, 13, 1)).toEqual([{ value: "1-2@10,13,13", ts: 13 }]);
    expect(d.element({ id: "a", rv: 3 } as never, 14, 1)).toEqual([]);
    expect(d.element({ id: "a", rv: 4 } as never, 8, 1)).toEqual([{ value: "1-4@10,8,10", ts: 10 }]);
    expect(d.element({ id: "b", rv: 5 } as never, 10, 1)).toEqual([]);
    d.watermark(20);
    expect(d.element({ id: "a", lv: 6 }, 19, 0)).toEqual([{ value: { id: "a", lv: 6 }, ts: 19, tag: "late-left" }]);
    // Everything is cleaned up once the watermark passes every element's last use.
    d.watermark(100);
    expect(d.harness.numKeyedStateEntries()).toBe(0);
    expect(d.harness.numEventTimeTimers()).toBe(0);
  });

  it("keeps its buffers across a snapshot and restore", async () => {
    const make = () =>
      new IntervalJoinOperator<L, R, string>({
        lowerBound: 0,
        upperBound: 10,
        process: (l, r, _ctx, out) => out.collect(`${l.lv}-${r.rv}`),
        name: "IntervalJoin",
      });
    const options = { keySelector: keyL as never, keySelector2: keyR as never };
    const first = new OperatorTestHarness<L | R, string>(make(), options);
    await first.open();
    first.processElement({ id: "a", lv: 1 }, 5);
    first.processElement2({ id: "a", rv: 2 }, 7);
    first.processWatermark(6);
    const snapshot = structuredClone(await first.snapshot(1));
    const second = await OperatorTestHarness.restore<L | R, string>(make(), snapshot, options);
    second.processElement2({ id: "a", rv: 3 }, 15);
    second.processElement({ id: "a", lv: 4 }, 6);
    expect(first.outputValues()).toEqual(["1-2"]);
    expect(second.outputValues()).toEqual(["1-3", "4-2", "4-3"]);
    second.processWatermark(100);
    expect(second.numKeyedStateEntries()).toBe(0);
  });

  it("validates its bounds", () => {
    const process = () => {};
    expect(() => new IntervalJoinOperator({ lowerBound: 5, upperBound: 4, process, name: "IJ" })).toThrow(/IJ: lowerBound must be <= upperBound/);
    expect(
      () => new IntervalJoinOperator({ lowerBound: 4, upperBound: 4, lowerBoundExclusive: true, process, name: "IJ" }),
    ).toThrow(/IJ: lowerBound/);
    expect(() => new IntervalJoinOperator({ lowerBound: Number.NaN, upperBound: 4, process, name: "IJ" })).toThrow(/IJ: lowerBound/);
  });

  it("matches nested loops with buffer cleanup on 300 random inputs", async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = mulberry32(seed * 15485863);
      const lower = randInt(rng, -25, 10);
      const upper = lower + randInt(rng, 0, 30);
      const lowerBoundExclusive = rng() < 0.3 && upper > lower;
      const upperBoundExclusive = rng() < 0.3 && upper > lower + (lowerBoundExclusive ? 1 : 0);
      const operator = new IntervalJoinOperator<L, R, string>({
        lowerBound: lower,
        upperBound: upper,
        lowerBoundExclusive,
        upperBoundExclusive,
        process: (l, r, ctx, out) => out.collect(`${l.id}:${l.lv}-${r.rv}@${ctx.leftTimestamp},${ctx.rightTimestamp}`),
        name: "IntervalJoin",
      });
      const d = await drive(operator, keyL as never, { secondKey: keyR });
      const events = genTwoInputs(rng, randInt(rng, 10, 200));
      const ref = referenceIntervalJoin<L, R>(
        events,
        lowerBoundExclusive ? lower + 1 : lower,
        upperBoundExclusive ? upper - 1 : upper,
      );
      const tsOf = new Map<number, number>();
      for (const e of events) if (e.type === "element") tsOf.set("lv" in e.value ? e.value.lv : e.value.rv, e.ts);
      for (const [i, event] of events.entries()) {
        const actual = event.type === "element" ? d.element(event.value as L, event.ts, event.input) : d.watermark(event.ts);
        const expected = ref.segments[i]!.map((p) => ({
          value: `${p.key}:${p.left.lv}-${p.right.rv}@${tsOf.get(p.left.lv)},${tsOf.get(p.right.rv)}`,
          ts: p.ts,
        }));
        expect(sortEmitted(actual), `seed ${seed} event #${i}`).toEqual(sortEmitted(expected));
      }
      expect(operator.numLateRecordsDropped).toBe(ref.late);
    }
  });
});
