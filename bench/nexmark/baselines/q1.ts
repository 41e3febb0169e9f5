/** Baseline of q1: a loop converting each bid's price to euros. */
import type { NexmarkGenerator } from "../generator.ts";
import { BID } from "../model.ts";
import type { EuroBid } from "../queries/q1.ts";

export function q1Baseline(gen: NexmarkGenerator, emit: (b: EuroBid) => void): void {
  gen.forEach((e) => {
    if (e.type !== BID) return;
    const b = e.bid!;
    emit({ auction: b.auction, bidder: b.bidder, price: 0.908 * b.price, dateTime: b.dateTime });
  });
}
