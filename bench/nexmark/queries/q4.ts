/**
 * Nexmark q4, average price per category.
 *
 * Definition (Flink nexmark's q4 SQL, made precise for a stream):
 * 1. An auction's closing price is the highest price among the bids on it whose dateTime lies in
 *    [auction.dateTime, auction.expires]; an auction without such a bid has none and is left out
 *    (an inner join). It closes when the watermark passes `expires`, since by then every bid
 *    that can count has arrived.
 * 2. For each category and each event time t at which at least one of its auctions closed
 *    (t = expires), q4 emits the average closing price of all the category's auctions closed at
 *    or before t. Grouping by t makes the output independent of the order of ties and of when
 *    watermarks happen to be emitted.
 */
import {
  type Collector,
  type DataStream,
  type KeyedCoProcessFunction,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
  ValueStateDescriptor,
} from "../../../core/index.ts";
import type { Auction, Bid, Event } from "../model.ts";
import { auctions, bids } from "./views.ts";

/** An auction that closed with its winning price. */
export interface ClosedAuction {
  readonly id: number;
  readonly category: number;
  readonly price: number;
  readonly expires: number;
}

/** The running average closing price of a category at event time `dateTime`. */
export interface CategoryAverage {
  readonly category: number;
  readonly dateTime: number;
  readonly average: number;
}

/**
 * An auction's state is kept this long after it closed, so that its late bids are recognised as
 * late without waiting; after that a bid on it waits like a bid on an unknown auction.
 */
const CLOSED_RETENTION_MS = 10_000;
/**
 * Housekeeping timers (dropping early bids, forgetting closed auctions) are rounded up to whole
 * seconds, so that many keys share one timestamp (Flink's timer coalescing); firing them later
 * changes no result.
 */
const coalesce = (timestamp: number): number => Math.ceil(timestamp / 1000) * 1000;

/** An open auction and the highest price in range so far (-1: no bid yet). */
interface OpenAuction {
  readonly auction: Auction;
  readonly highest: number;
}

/** Per auction id: the open auction with its highest price, and bids that came before the auction. */
class WinningBid implements KeyedCoProcessFunction<number, Auction, Bid, ClosedAuction> {
  // One state for the auction and its price: a bid reads one entry, not two.
  private auction?: ValueState<OpenAuction>;
  private early?: ListState<Bid>;

  open(ctx: RuntimeContext): void {
    this.auction = ctx.getState(new ValueStateDescriptor<OpenAuction>("auction"));
    this.early = ctx.getState(new ListStateDescriptor<Bid>("bids before their auction"));
  }

  processElement1(a: Auction, ctx: KeyedProcessContext<number>): void {
    ctx.timerService().registerEventTimeTimer(a.expires);
    let highest = -1;
    const early = this.early!.get();
    for (const b of early) if (inRange(a, b) && b.price > highest) highest = b.price;
    if (early.length > 0) this.early!.clear();
    this.auction!.update({ auction: a, highest });
  }

  processElement2(b: Bid, ctx: KeyedProcessContext<number>): void {
    const s = this.auction!.value();
    if (s !== undefined) {
      if (b.price > s.highest && inRange(s.auction, b)) this.auction!.update({ auction: s.auction, highest: b.price });
      return;
    }
    // The auction may still come (the two inputs interleave freely) until the watermark passes the bid.
    this.early!.add(b);
    ctx.timerService().registerEventTimeTimer(coalesce(b.dateTime));
  }

  onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<ClosedAuction>): void {
    const s = this.auction!.value();
    if (s === undefined) {
      // No auction with dateTime <= timestamp exists for these bids: drop the ones up to now.
      const early = this.early!.get();
      const keep = early.filter((b) => b.dateTime > timestamp);
      if (keep.length === 0) this.early!.clear();
      else if (keep.length < early.length) this.early!.update(keep);
      return;
    }
    const a = s.auction;
    if (timestamp === a.expires) {
      if (s.highest >= 0) out.collect({ id: a.id, category: a.category, price: s.highest, expires: a.expires });
      ctx.timerService().registerEventTimeTimer(coalesce(a.expires + CLOSED_RETENTION_MS));
    } else if (timestamp > a.expires) {
      // Closed: no bid can count any more.
      this.auction!.clear();
    }
  }
}

const inRange = (a: Auction, b: Bid): boolean => b.dateTime >= a.dateTime && b.dateTime <= a.expires;

/** Per category: closing prices waiting for their time, and the totals of those already counted. */
class CategoryAverages implements KeyedProcessFunction<number, ClosedAuction, CategoryAverage> {
  private pending?: MapState<number, { sum: number; count: number }>;
  private totals?: ValueState<{ sum: number; count: number }>;

  open(ctx: RuntimeContext): void {
    this.pending = ctx.getState(new MapStateDescriptor<number, { sum: number; count: number }>("closed, by time"));
    this.totals = ctx.getState(new ValueStateDescriptor<{ sum: number; count: number }>("totals"));
  }

  processElement(c: ClosedAuction, ctx: KeyedProcessContext<number>): void {
    const at = this.pending!.get(c.expires);
    if (at === undefined) {
      this.pending!.put(c.expires, { sum: c.price, count: 1 });
      ctx.timerService().registerEventTimeTimer(c.expires);
    } else this.pending!.put(c.expires, { sum: at.sum + c.price, count: at.count + 1 });
  }

  onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<CategoryAverage>): void {
    const at = this.pending!.get(timestamp);
    if (at === undefined) return;
    this.pending!.remove(timestamp);
    const before = this.totals!.value() ?? { sum: 0, count: 0 };
    const totals = { sum: before.sum + at.sum, count: before.count + at.count };
    this.totals!.update(totals);
    out.collect({ category: ctx.getCurrentKey(), dateTime: timestamp, average: totals.sum / totals.count });
  }
}

/**
 * `SELECT category, AVG(final) FROM (SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
 *  WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.category)
 *  GROUP BY category`, emitted as described above.
 */
export function q4(events: DataStream<Event>): DataStream<CategoryAverage> {
  return q4ClosedAuctions(events)
    .keyBy((c) => c.category)
    .process<CategoryAverage>(new CategoryAverages(), "Average per Category");
}

/** Step 1 of q4: every auction that closed with a winning bid. */
export function q4ClosedAuctions(events: DataStream<Event>): DataStream<ClosedAuction> {
  return auctions(events)
    .connect(bids(events))
    .keyBy((a) => a.id, (b) => b.auction)
    .process<ClosedAuction>(new WinningBid(), "Winning Bid");
}
