/**
 * Nexmark q7, highest bid: the bids with the highest price in each 10 s tumbling event-time
 * window (all of them when several tie, as the SQL's join on `price = maxprice` does).
 */
import { type Collector, type DataStream, TumblingEventTimeWindows } from "../../../core/index.ts";
import type { Bid, Event } from "../model.ts";
import { bids } from "./views.ts";

/** Window size of q7. */
export const Q7_SIZE_MS = 10_000;

/** A highest bid of the window ending at `windowEnd`. */
export interface HighestBid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly windowEnd: number;
}

/** The highest price so far and the bids that have it. */
interface Highest {
  price: number;
  bids: Bid[];
}

const highestBids = {
  createAccumulator: (): Highest => ({ price: -1, bids: [] }),
  add(b: Bid, acc: Highest): Highest {
    if (b.price > acc.price) return { price: b.price, bids: [b] };
    if (b.price === acc.price) acc.bids.push(b);
    return acc;
  },
  getResult: (acc: Highest): Highest => acc,
  merge(a: Highest, b: Highest): Highest {
    return a.price > b.price ? a : b.price > a.price ? b : { price: a.price, bids: [...a.bids, ...b.bids] };
  },
};

/** q7: per window, the bids with the highest price. */
export function q7(events: DataStream<Event>): DataStream<HighestBid> {
  return bids(events)
    .windowAll(TumblingEventTimeWindows.of(Q7_SIZE_MS))
    .aggregate(highestBids, (_key, ctx, results, out: Collector<HighestBid>) => {
      for (const h of results) for (const b of h.bids) out.collect({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, windowEnd: ctx.window.end });
    });
}
