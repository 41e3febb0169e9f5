/**
 * The windowed job of the edge tests and its reference output: sums of `v` per key `k` and
 * tumbling event-time window, computed here with plain loops.
 */
import { SeededRandom } from "../../../conformance/index.ts";

/** The window size of the tests' windowed job, ms. */
export const WINDOW_MS = 1_000;

/** An input record. */
export interface Reading {
  readonly k: string;
  readonly v: number;
  readonly ts: number;
}

/** `count` records over five keys, event time rising with a little jitter, from `seed`. */
export function readings(seed: number, count: number): Reading[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({ k: `k${random.int(0, 4)}`, v: random.int(0, 99), ts: i * 37 + random.int(0, 29) }));
}

/** The job's operators (keyBy k, tumbling window, sum of v as s). */
export const windowSumOperators = [
  { type: "keyBy", field: "k" },
  { type: "window", kind: "tumbling", size: WINDOW_MS },
  { type: "aggregate", fn: "sum", field: "v", as: "s" },
] as const;

/** The output the job must give for `records`, canonical and sorted. */
export function windowSums(records: readonly Reading[]): string[] {
  const sums = new Map<string, { key: string; start: number; end: number; s: number }>();
  for (const r of records) {
    const start = Math.floor(r.ts / WINDOW_MS) * WINDOW_MS;
    const id = `${r.k}@${start}`;
    const w = sums.get(id) ?? { key: r.k, start, end: start + WINDOW_MS, s: 0 };
    w.s += r.v;
    sums.set(id, w);
  }
  return [...sums.values()].map((w) => JSON.stringify(w)).sort();
}

/** Output records of the job, canonical and sorted as {@link windowSums} gives them. */
export function canonicalSums(records: readonly unknown[]): string[] {
  return (records as { key: unknown; start: unknown; end: unknown; s: unknown }[]).map((r) => JSON.stringify({ key: r.key, start: r.start, end: r.end, s: r.s })).sort();
}
