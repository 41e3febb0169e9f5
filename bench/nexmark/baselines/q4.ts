/**
 * Baseline of q4 (definition in queries/q4.ts): one pass keeps each auction's highest price in
 * range, then closing prices are grouped per category by closing time and averaged cumulatively.
 */
import { type NexmarkGenerator, eventTime } from "../generator.ts";
import { AUCTION, type Auction, BID, type Bid } from "../model.ts";
import type { CategoryAverage } from "../queries/q4.ts";

export function q4Baseline(gen: NexmarkGenerator, emit: (r: CategoryAverage) => void): void {
  const open = new Map<number, { auction: Auction; highest: number }>();
  // Bids naming an auction not seen yet: it may still come within the same millisecond.
  let early = new Map<number, Bid[]>();
  let now = Number.NEGATIVE_INFINITY;
  const consider = (s: { auction: Auction; highest: number }, b: Bid): void => {
    if (b.dateTime >= s.auction.dateTime && b.dateTime <= s.auction.expires && b.price > s.highest) s.highest = b.price;
  };
  gen.forEach((e) => {
    const ts = eventTime(e);
    if (ts > now) {
      now = ts;
      if (early.size > 0) early = new Map();
    }
    if (e.type === AUCTION) {
      const s = { auction: e.auction!, highest: -1 };
      open.set(s.auction.id, s);
      for (const b of early.get(s.auction.id) ?? []) consider(s, b);
      early.delete(s.auction.id);
    } else if (e.type === BID) {
      const b = e.bid!;
      const s = open.get(b.auction);
      if (s !== undefined) consider(s, b);
      else {
        const list = early.get(b.auction);
        if (list === undefined) early.set(b.auction, [b]);
        else list.push(b);
      }
    }
  });
  // category -> closing time -> [sum, count]
  const closed = new Map<number, Map<number, [number, number]>>();
  for (const { auction: a, highest } of open.values()) {
    if (highest < 0) continue;
    let byTime = closed.get(a.category);
    if (byTime === undefined) closed.set(a.category, (byTime = new Map()));
    const at = byTime.get(a.expires);
    if (at === undefined) byTime.set(a.expires, [highest, 1]);
    else {
      at[0] += highest;
      at[1]++;
    }
  }
  for (const [category, byTime] of closed) {
    let sum = 0;
    let count = 0;
    for (const t of [...byTime.keys()].sort((x, y) => x - y)) {
      const [s, c] = byTime.get(t)!;
      sum += s;
      count += c;
      emit({ category, dateTime: t, average: sum / count });
    }
  }
}
