/**
 * Test-only reference models of windowing and joins, written from the specification and kept
 * brute force: every element is kept, and each watermark re-examines all of them. The window
 * operator's tests compare its output with these.
 */
import type { Key } from "../state/types.ts";

/** One input event of a reference run. */
export type RefEvent<T> =
  | { readonly type: "element"; readonly key: Key; readonly value: T; readonly ts: number; readonly input?: 0 | 1 }
  | { readonly type: "watermark"; readonly ts: number };

/** One output of a reference run: a window result or an element routed to the late side output. */
export type RefOutput<O, T> =
  | { readonly kind: "main"; readonly key: Key; readonly value: O; readonly ts: number }
  | { readonly kind: "late"; readonly key: Key; readonly value: T; readonly ts: number };

/** The windowing under test. */
export type RefWindowing =
  | { readonly type: "tumbling"; readonly size: number; readonly offset?: number }
  | { readonly type: "sliding"; readonly size: number; readonly slide: number; readonly offset?: number }
  | { readonly type: "session"; readonly gap: number }
  | { readonly type: "count"; readonly count: number; readonly purge: boolean };

/** Computes a firing window's results from its elements (in arrival order, except merged sessions). */
export type RefFire<T, O> = (key: Key, start: number, end: number, elements: readonly T[]) => O[];

interface RefWindow<T> {
  start: number;
  end: number;
  elements: T[];
}

/**
 * Event-time windows with the EventTimeTrigger, allowed lateness and a late side output
 * (or count windows on the global window), from the rules:
 * - a window `[start, end)` fires when the watermark reaches `end - 1`, with all its elements;
 * - it is dropped once the watermark reaches `end - 1 + allowedLateness`;
 * - an element that arrives for a window already fired but not dropped fires it at once;
 * - an element whose every window is dropped is late (side output or counted as dropped);
 * - sessions `[ts, ts + gap)` merge when they overlap or touch.
 */
export class ReferenceWindowModel<T, O> {
  /** Late elements dropped (no side output). */
  dropped = 0;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly windows = new Map<Key, RefWindow<T>[]>();
  private readonly counts = new Map<Key, { n: number; elements: T[] }>();

  private readonly windowing: RefWindowing;
  private readonly allowedLateness: number;
  private readonly lateOutput: boolean;
  private readonly fire: RefFire<T, O>;

  constructor(windowing: RefWindowing, allowedLateness: number, lateOutput: boolean, fire: RefFire<T, O>) {
    this.windowing = windowing;
    this.allowedLateness = allowedLateness;
    this.lateOutput = lateOutput;
    this.fire = fire;
  }

  /** Feeds one event; returns what it makes the operator emit. */
  process(event: RefEvent<T>): RefOutput<O, T>[] {
    return event.type === "element" ? this.onElement(event.key, event.value, event.ts) : this.onWatermark(event.ts);
  }

  private isDropped(w: { end: number }): boolean {
    return w.end - 1 + this.allowedLateness <= this.watermark;
  }

  private emit(key: Key, w: RefWindow<T>, out: RefOutput<O, T>[]): void {
    for (const value of this.fire(key, w.start, w.end, w.elements)) out.push({ kind: "main", key, value, ts: w.end - 1 });
  }

  private onElement(key: Key, value: T, ts: number): RefOutput<O, T>[] {
    const out: RefOutput<O, T>[] = [];
    const wi = this.windowing;
    if (wi.type === "count") {
      let c = this.counts.get(key);
      if (c === undefined) this.counts.set(key, (c = { n: 0, elements: [] }));
      c.elements.push(value);
      c.n++;
      if (c.n >= wi.count) {
        c.n = 0;
        for (const v of this.fire(key, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, c.elements)) {
          out.push({ kind: "main", key, value: v, ts: Number.POSITIVE_INFINITY });
        }
        if (wi.purge) c.elements = [];
      }
      return out;
    }
    let live = this.windows.get(key);
    if (live === undefined) this.windows.set(key, (live = []));
    let accepted = false;
    if (wi.type === "session") {
      let cover = { start: ts, end: ts + wi.gap };
      let absorbed: RefWindow<T>[] = [];
      for (let changed = true; changed; ) {
        changed = false;
        for (const w of live) {
          if (!absorbed.includes(w) && w.start <= cover.end && cover.start <= w.end) {
            absorbed.push(w);
            cover = { start: Math.min(cover.start, w.start), end: Math.max(cover.end, w.end) };
            changed = true;
          }
        }
      }
      if (absorbed.length > 0 || !this.isDropped(cover)) {
        accepted = true;
        const merged: RefWindow<T> = { start: cover.start, end: cover.end, elements: [] };
        for (const w of absorbed) merged.elements.push(...w.elements);
        merged.elements.push(value);
        live = live.filter((w) => !absorbed.includes(w));
        live.push(merged);
        this.windows.set(key, live);
        if (merged.end - 1 <= this.watermark) this.emit(key, merged, out);
      }
    } else {
      const size = wi.size;
      const slide = wi.type === "sliding" ? wi.slide : wi.size;
      const offset = wi.offset ?? 0;
      // Every start s = offset + k * slide with s <= ts < s + size, latest first.
      for (let start = offset + slide * Math.floor((ts - offset) / slide); start + size > ts; start -= slide) {
        const end = start + size;
        if (this.isDropped({ end })) continue;
        accepted = true;
        let w = live.find((x) => x.start === start);
        if (w === undefined) live.push((w = { start, end, elements: [] }));
        w.elements.push(value);
        if (end - 1 <= this.watermark) this.emit(key, w, out);
      }
    }
    if (!accepted && ts + this.allowedLateness <= this.watermark) {
      if (this.lateOutput) out.push({ kind: "late", key, value, ts });
      else this.dropped++;
    }
    return out;
  }

  private onWatermark(watermark: number): RefOutput<O, T>[] {
    const out: RefOutput<O, T>[] = [];
    if (watermark <= this.watermark) return out;
    const due: [Key, RefWindow<T>][] = [];
    for (const [key, live] of this.windows) {
      for (const w of live) if (w.end - 1 > this.watermark && w.end - 1 <= watermark) due.push([key, w]);
    }
    due.sort((a, b) => a[1].end - b[1].end);
    this.watermark = watermark;
    for (const [key, w] of due) this.emit(key, w, out);
    for (const [key, live] of this.windows) this.windows.set(key, live.filter((w) => !this.isDropped(w)));
    return out;
  }
}

/** A joined pair with the result timestamp. */
export interface RefJoined<L, R> {
  readonly key: Key;
  readonly left: L;
  readonly right: R;
  readonly ts: number;
}

/**
 * Interval join by nested loops: a pair (l, r) of one key with `l.ts + lower <= r.ts <= l.ts + upper`
 * is emitted when the later of the two arrives, if neither was late (ts < watermark) on arrival and
 * the earlier one was still buffered: a left element is kept until the watermark reaches
 * `ts + max(upper, 0)`, a right one until `ts + max(-lower, 0)`.
 */
export function referenceIntervalJoin<L, R>(
  events: readonly RefEvent<L | R>[],
  lower: number,
  upper: number,
): { segments: RefJoined<L, R>[][]; late: number } {
  const seen: { key: Key; value: L | R; ts: number; input: 0 | 1; keptUntil: number }[] = [];
  let watermark = Number.NEGATIVE_INFINITY;
  let late = 0;
  const segments: RefJoined<L, R>[][] = [];
  for (const event of events) {
    const segment: RefJoined<L, R>[] = [];
    segments.push(segment);
    if (event.type === "watermark") {
      watermark = Math.max(watermark, event.ts);
      continue;
    }
    if (event.ts < watermark) {
      late++;
      continue;
    }
    const input = event.input ?? 0;
    for (const other of seen) {
      if (other.key !== event.key || other.input === input || other.keptUntil <= watermark) continue;
      const [l, r] = input === 0 ? [event, other] : [other, event];
      if (r.ts >= l.ts + lower && r.ts <= l.ts + upper) {
        segment.push({ key: event.key, left: l.value as L, right: r.value as R, ts: Math.max(l.ts, r.ts) });
      }
    }
    const keptUntil = input === 0 ? event.ts + Math.max(upper, 0) : event.ts + Math.max(-lower, 0);
    seen.push({ key: event.key, value: event.value, ts: event.ts, input, keptUntil });
  }
  return { segments, late };
}
