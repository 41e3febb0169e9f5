/** Nexmark q1, currency conversion: each bid's price from dollars to euros. */
import type { DataStream } from "../../../core/index.ts";
import type { Event } from "../model.ts";
import { bids } from "./views.ts";

/** A bid with its price in euros. */
export interface EuroBid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
}

/** `SELECT auction, bidder, 0.908 * price AS price, dateTime FROM bid`. */
export function q1(events: DataStream<Event>): DataStream<EuroBid> {
  return bids(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: 0.908 * b.price, dateTime: b.dateTime }), "To Euro");
}
