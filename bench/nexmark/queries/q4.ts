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

/** Per auction id: the auction, the highest price in range so far, and bids that came before the auction. */
class WinningBid implements KeyedCoProcessFunction<number, Auction, Bid, ClosedAuction> {
  private auction?: ValueState<Auction>;
  private highest?: ValueState<number>;
  private early?: ListState<Bid>;

  open(ctx: RuntimeContext): void {
    this.auction = ctx.getState(new ValueStateDescriptor<Auction>("auction"));
    this.highest = ctx.getState(new ValueStateDescriptor<number>("highest price"));
    this.early = ctx.getState(new ListStateDescriptor<Bid>("bids before their auction"));
  }

  processElement1(a: Auction, ctx: KeyedProcessContext<number>): void {
    this.auction!.update(a);
    ctx.timerService().registerEventTimeTimer(a.expires);
    const early = this.early!.get();
    if (early.length === 0) return;
    for (const b of early) this.consider(a, b);
    this.early!.clear();
  }

  processElement2(b: Bid, ctx: KeyedProcessContext<number>): void {
    const a = this.auction!.value();
    if (a !== undefined) {
      this.consider(a, b);
      return;
    }
    // The auction may still come (the two inputs interleave freely) until the watermark passes the bid.
    this.early!.add(b);
    ctx.timerService().registerEventTimeTimer(b.dateTime);
  }

  onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<ClosedAuction>): void {
    const a = this.auction!.value();
    if (a === undefined) {
      // No auction with dateTime <= timestamp exists for these bids: drop the ones up to now.
      const early = this.early!.get();
      const keep = early.filter((b) => b.dateTime > timestamp);
      if (keep.length === 0) this.early!.clear();
      else if (keep.length < early.length) this.early!.update(keep);
      return;
    }
    if (timestamp === a.expires) {
      const price = this.highest!.value();
      if (price !== undefined) out.collect({ id: a.id, category: a.category, price, expires: a.expires });
      ctx.timerService().registerEventTimeTimer(a.expires + CLOSED_RETENTION_MS);
    } else if (timestamp === a.expires + CLOSED_RETENTION_MS) {
      this.auction!.clear();
      this.highest!.clear();
    }
  }

  private consider(a: Auction, b: Bid): void {
    if (b.dateTime < a.dateTime || b.dateTime > a.expires) return;
    const highest = this.highest!.value();
    if (highest === undefined || b.price > highest) this.highest!.update(b.price);
  }
}

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
