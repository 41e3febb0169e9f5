/** Nexmark q2, selection: the bids on every 123rd auction (Flink nexmark's variant of the original five ids). */
import type { DataStream } from "../../../core/index.ts";
import type { Event } from "../model.ts";
import { bids } from "./views.ts";

/** An auction id and a price. */
export interface AuctionPrice {
  readonly auction: number;
  readonly price: number;
}

/** `SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`. */
export function q2(events: DataStream<Event>): DataStream<AuctionPrice> {
  return bids(events)
    .filter((b) => b.auction % 123 === 0, "Every 123rd Auction")
    .map((b) => ({ auction: b.auction, price: b.price }), "Auction, Price");
}
