/** Baseline of q8: per tumbling window the new persons by id and the set of sellers. */
import type { NexmarkGenerator } from "../generator.ts";
import { AUCTION, PERSON, type Person } from "../model.ts";
import { type NewSeller, Q8_SIZE_MS } from "../queries/q8.ts";
import { windowStart } from "./window-start.ts";

export function q8Baseline(gen: NexmarkGenerator, emit: (r: NewSeller) => void): void {
  let start = Number.NaN;
  let people = new Map<number, Person>();
  let sellers = new Set<number>();
  const fire = (): void => {
    for (const [id, p] of people) if (sellers.has(id)) emit({ id, name: p.name, starttime: start });
  };
  gen.forEach((e) => {
    if (e.type !== PERSON && e.type !== AUCTION) return;
    const ts = e.type === PERSON ? e.person!.dateTime : e.auction!.dateTime;
    const s = windowStart(ts, Q8_SIZE_MS);
    if (s !== start) {
      if (!Number.isNaN(start)) fire();
      start = s;
      people = new Map();
      sellers = new Set();
    }
    if (e.type === PERSON) people.set(e.person!.id, e.person!);
    else sellers.add(e.auction!.seller);
  });
  if (!Number.isNaN(start)) fire();
}
