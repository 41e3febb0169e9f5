/** Baseline of q7: per tumbling window the highest price and the bids that have it. */
import type { NexmarkGenerator } from "../generator.ts";
import { BID, type Bid } from "../model.ts";
import { type HighestBid, Q7_SIZE_MS } from "../queries/q7.ts";
import { windowStart } from "./window-start.ts";

export function q7Baseline(gen: NexmarkGenerator, emit: (r: HighestBid) => void): void {
  let start = Number.NaN;
  let price = -1;
  let highest: Bid[] = [];
  const fire = (): void => {
    for (const b of highest) emit({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, windowEnd: start + Q7_SIZE_MS });
  };
  gen.forEach((e) => {
    if (e.type !== BID) return;
    const b = e.bid!;
    const s = windowStart(b.dateTime, Q7_SIZE_MS);
    if (s !== start) {
      // Events are in event-time order, so a new window means the previous one is complete.
      if (!Number.isNaN(start)) fire();
      start = s;
      price = -1;
      highest = [];
    }
    if (b.price > price) {
      price = b.price;
      highest = [b];
    } else if (b.price === price) highest.push(b);
  });
  if (!Number.isNaN(start)) fire();
}
