/** Baseline of q2: a loop keeping the bids on every 123rd auction. */
import type { NexmarkGenerator } from "../generator.ts";
import { BID } from "../model.ts";
import type { AuctionPrice } from "../queries/q2.ts";

export function q2Baseline(gen: NexmarkGenerator, emit: (r: AuctionPrice) => void): void {
  gen.forEach((e) => {
    if (e.type !== BID || e.bid!.auction % 123 !== 0) return;
    emit({ auction: e.bid!.auction, price: e.bid!.price });
  });
}
