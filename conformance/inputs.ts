/**
 * Seeded inputs shared by the scenarios.
 */
import { SeededRandom } from "./random.ts";
import type { TimedEvent } from "./scenario.ts";

/** Options for {@link timedEvents}. */
export interface TimedEventsOptions {
  readonly seed: number;
  readonly count: number;
  readonly keys: number;
  /** Event i is nominally at `base + i * step`. */
  readonly base?: number;
  readonly step: number;
  /**
   * Each timestamp is pushed forward by up to `jitter` ms, so an event is at most `jitter` ms
   * behind the largest timestamp before it: nothing is late under a larger out-of-orderness bound.
   */
  readonly jitter: number;
}

/** Events with keys `k0..k{keys-1}`, values 1..100 and timestamps disordered by at most `jitter`. */
export function timedEvents(options: TimedEventsOptions): TimedEvent[] {
  const random = new SeededRandom(options.seed);
  const base = options.base ?? 1_000_000;
  const events: TimedEvent[] = [];
  for (let i = 0; i < options.count; i++) {
    events.push({
      key: `k${random.int(0, options.keys - 1)}`,
      ts: base + i * options.step + random.int(0, options.jitter),
      v: random.int(1, 100),
    });
  }
  return events;
}

/** Integers in [min, max]. */
export function integers(seed: number, count: number, min: number, max: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => random.int(min, max));
}

/** Groups values by a key, keeping arrival order within each group. */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = groups.get(k);
    if (list === undefined) groups.set(k, (list = []));
    list.push(item);
  }
  return groups;
}
