/** Baseline of q3: two Maps, sellers by id and auctions waiting for their seller. */
import type { NexmarkGenerator } from "../generator.ts";
import { AUCTION, type Auction, PERSON, type Person } from "../model.ts";
import { type LocalItem, Q3_CATEGORY, Q3_STATES } from "../queries/q3.ts";

export function q3Baseline(gen: NexmarkGenerator, emit: (r: LocalItem) => void): void {
  const sellers = new Map<number, Person>();
  const waiting = new Map<number, Auction[]>();
  gen.forEach((e) => {
    if (e.type === PERSON) {
      const p = e.person!;
      if (!Q3_STATES.has(p.state)) return;
      sellers.set(p.id, p);
      const auctions = waiting.get(p.id);
      if (auctions === undefined) return;
      for (const a of auctions) emit({ name: p.name, city: p.city, state: p.state, id: a.id });
      waiting.delete(p.id);
    } else if (e.type === AUCTION) {
      const a = e.auction!;
      if (a.category !== Q3_CATEGORY) return;
      const p = sellers.get(a.seller);
      if (p !== undefined) emit({ name: p.name, city: p.city, state: p.state, id: a.id });
      else {
        const list = waiting.get(a.seller);
        if (list === undefined) waiting.set(a.seller, [a]);
        else list.push(a);
      }
    }
  });
}
