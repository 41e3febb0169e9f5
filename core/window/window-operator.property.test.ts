/**
 * Property tests: the window operator against the brute-force reference model over many
 * seeded random out-of-order inputs (late elements, allowed lateness, side outputs).
 */
import { describe, expect, it } from "vitest";
import { OutputTag } from "../runtime/operator.ts";
import type { AggregateFunction } from "../state/types.ts";
import {
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  PurgingTrigger,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  WindowOperator,
  type TimeWindow,
  type WindowFunctionSpec,
} from "./index.ts";
import { ReferenceWindowModel, type RefEvent, type RefFire, type RefWindowing } from "./reference-model.ts";
import { drive, mulberry32, type Emitted } from "./window-test-support.ts";

type Ev = { k: string; v: number };
type FnKind = "reduce" | "aggregate" | "process" | "reduce+process";

interface Case {
  windowing: RefWindowing;
  lateness: number;
  lateTag: boolean;
  fn: FnKind;
  events: RefEvent<Ev>[];
}

function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Out-of-order elements with watermarks from bounded out-of-orderness; ~10% beyond the bound. */
function genEvents(rng: () => number, n: number, nKeys: number): RefEvent<Ev>[] {
  const bound = randInt(rng, 0, 30);
  const events: RefEvent<Ev>[] = [];
  let t = randInt(rng, -500, 500);
  let maxTs = Number.NEGATIVE_INFINITY;
  let wm = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    t += randInt(rng, 0, 4);
    const delay = rng() < 0.1 ? randInt(rng, 0, 3 * bound + 20) : randInt(rng, 0, bound);
    const ts = t - delay;
    const k = `k${randInt(rng, 0, nKeys - 1)}`;
    events.push({ type: "element", key: k, value: { k, v: i }, ts });
    maxTs = Math.max(maxTs, ts);
    if (rng() < 0.15) {
      const candidate = maxTs - bound - 1;
      if (candidate > wm) {
        events.push({ type: "watermark", ts: candidate });
        wm = candidate;
      }
    }
  }
  if (rng() < 0.7) events.push({ type: "watermark", ts: Number.POSITIVE_INFINITY });
  return events;
}

function genWindowing(rng: () => number, type: RefWindowing["type"]): RefWindowing {
  if (type === "tumbling") {
    const size = randInt(rng, 1, 40);
    return { type, size, offset: randInt(rng, -(size - 1), size - 1) };
  }
  if (type === "sliding") {
    const slide = randInt(rng, 1, 15);
    const size = rng() < 0.5 ? slide * randInt(rng, 1, 4) : randInt(rng, 1, 50);
    return { type, size, slide, offset: randInt(rng, -(slide - 1), slide - 1) };
  }
  if (type === "session") return { type, gap: randInt(rng, 1, 20) };
  return { type, count: randInt(rng, 1, 5), purge: rng() < 0.5 };
}

const countSum: AggregateFunction<Ev, { n: number; s: number }, { n: number; s: number }> = {
  createAccumulator: () => ({ n: 0, s: 0 }),
  add: (e, acc) => ({ n: acc.n + 1, s: acc.s + e.v }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ n: a.n + b.n, s: a.s + b.s }),
};

function refFire(fn: FnKind, merging: boolean): RefFire<Ev, unknown> {
  return (key, start, end, elements) => {
    const s = elements.reduce((acc, e) => acc + e.v, 0);
    if (fn === "reduce") return [{ k: key, v: s }];
    if (fn === "aggregate") return [{ n: elements.length, s }];
    if (fn === "reduce+process") return [{ key, start, end, s }];
    const vs = elements.map((e) => e.v);
    if (merging) vs.sort((a, b) => a - b);
    return [{ key, start, end, vs }];
  };
}

function operatorFunction(fn: FnKind, merging: boolean): WindowFunctionSpec<Ev, unknown> {
  const bounds = (ctx: { window: unknown }) => {
    const w = ctx.window as TimeWindow;
    return w.start === undefined
      ? { start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY }
      : { start: w.start, end: w.end };
  };
  switch (fn) {
    case "reduce":
      return { kind: "reduce", reduce: (a, b) => ({ k: a.k, v: a.v + b.v }) };
    case "aggregate":
      return { kind: "aggregate", aggregate: countSum };
    case "reduce+process":
      return {
        kind: "reduce",
        reduce: (a, b) => ({ k: a.k, v: a.v + b.v }),
        process: (key, ctx, els, out) => out.collect({ key, ...bounds(ctx), s: [...els][0]!.v }),
      };
    case "process":
      return {
        kind: "process",
        process: (key, ctx, els, out) => {
          const vs = [...els].map((e) => e.v);
          if (merging) vs.sort((a, b) => a - b);
          out.collect({ key, ...bounds(ctx), vs });
        },
      };
  }
}

function assignerOf(w: RefWindowing) {
  switch (w.type) {
    case "tumbling":
      return TumblingEventTimeWindows.of<Ev>(w.size, w.offset);
    case "sliding":
      return SlidingEventTimeWindows.of<Ev>(w.size, w.slide, w.offset);
    case "session":
      return EventTimeSessionWindows.withGap<Ev>(w.gap);
    case "count":
      return GlobalWindows.create<Ev>();
  }
}

const keyOf = (value: unknown): string => {
  const v = value as { k?: string; key?: string };
  return String(v.key ?? v.k ?? "");
};
const canonical = (e: Emitted) => `${e.ts}|${keyOf(e.value)}|${e.tag ?? ""}|${JSON.stringify(e.value)}`;
const byTsThenKey = (a: Emitted, b: Emitted) =>
  a.ts - b.ts || (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0);

async function check(c: Case): Promise<void> {
  const merging = c.windowing.type === "session";
  const late = new OutputTag<Ev>("late");
  const operator = new WindowOperator<Ev, unknown, any>({
    assigner: assignerOf(c.windowing) as any,
    trigger: c.windowing.type === "count"
      ? c.windowing.purge
        ? PurgingTrigger.of(CountTrigger.of(c.windowing.count))
        : CountTrigger.of(c.windowing.count)
      : undefined,
    allowedLateness: c.lateness,
    lateDataTag: c.lateTag ? late : undefined,
    function: operatorFunction(c.fn, merging),
    name: "Window(property)",
  });
  const d = await drive(operator, (e: Ev) => e.k);
  const model = new ReferenceWindowModel<Ev, unknown>(c.windowing, c.lateness, c.lateTag, refFire(c.fn, merging));
  for (let i = 0; i < c.events.length; i++) {
    const event = c.events[i]!;
    const expected: Emitted[] = model.process(event).map((o) =>
      o.kind === "main" ? { value: o.value, ts: o.ts } : { value: o.value, ts: o.ts, tag: "late" },
    );
    const actual = event.type === "element" ? d.element(event.value, event.ts) : d.watermark(event.ts);
    if (event.type === "watermark") {
      // Windows fire in timer order; the order of different keys at one timestamp is not specified.
      for (let j = 1; j < actual.length; j++) expect(actual[j]!.ts).toBeGreaterThanOrEqual(actual[j - 1]!.ts);
      actual.sort(byTsThenKey);
      expected.sort(byTsThenKey);
    }
    expect(actual, `event #${i} ${JSON.stringify(event)}`).toEqual(expected);
  }
  expect(operator.numLateRecordsDropped).toBe(model.dropped);
  const last = c.events[c.events.length - 1]!;
  if (last.type === "watermark" && last.ts === Number.POSITIVE_INFINITY && c.windowing.type !== "count") {
    // Everything fired and was cleaned up.
    expect(d.harness.numKeyedStateEntries()).toBe(0);
    expect(d.harness.numEventTimeTimers()).toBe(0);
  }
}

const types: RefWindowing["type"][] = ["tumbling", "sliding", "session", "count"];
const fns: FnKind[] = ["reduce", "aggregate", "process", "reduce+process"];

describe("WindowOperator against the reference model", () => {
  for (const type of types) {
    for (const fn of fns) {
      it(`${type} windows with ${fn}: 100 random out-of-order inputs`, async () => {
        for (let seed = 1; seed <= 100; seed++) {
          const rng = mulberry32(seed * 7919 + types.indexOf(type) * 131 + fns.indexOf(fn));
          const c: Case = {
            windowing: genWindowing(rng, type),
            lateness: rng() < 0.4 ? 0 : randInt(rng, 1, 40),
            lateTag: rng() < 0.5,
            fn,
            events: genEvents(rng, randInt(rng, 20, 300), randInt(rng, 1, 6)),
          };
          try {
            await check(c);
          } catch (error) {
            const { events, ...rest } = c;
            throw new Error(`seed ${seed}: ${JSON.stringify(rest)} (${events.length} events)\n${String(error)}`, { cause: error });
          }
        }
      });
    }
  }
});

