/**
 * Nexmark q5, hot items: which auctions got the most bids in the last 10 s, every 2 s. Bids are
 * counted per auction in sliding event-time windows; then, per window, the auctions with the
 * highest count are emitted (all of them when several tie, as the SQL's `num >= maxn` join does).
 *
 * The count is taken in two steps, as Flink SQL executes HOP windows (window slicing): bids are
 * first counted per auction in 2 s tumbling panes, then the panes are summed per auction in the
 * 10 s sliding windows. Each bid then updates one window's state instead of five; the result is
 * the same, since a pane's count carries the pane's last millisecond, which lies in exactly the
 * sliding windows that contain the whole pane.
 */
import {
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type RuntimeContext,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type ValueState,
  ValueStateDescriptor,
} from "../../../core/index.ts";
import type { Event } from "../model.ts";
import { bids } from "./views.ts";

/** Window size and slide of q5 (Flink nexmark's HOP(..., INTERVAL '2' SECOND, INTERVAL '10' SECOND)). */
export const Q5_SIZE_MS = 10_000;
export const Q5_SLIDE_MS = 2_000;

/** An auction's bid count in the window starting at `starttime`. */
export interface AuctionCount {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
}

const countBids = {
  createAccumulator: (): number => 0,
  add: (_bid: unknown, n: number): number => n + 1,
  getResult: (n: number): number => n,
  merge: (a: number, b: number): number => a + b,
};

/** An auction's bid count in one pane (a 2 s tumbling window). */
interface PaneCount {
  readonly auction: number;
  readonly num: number;
}

const sumPanes = {
  createAccumulator: (): number => 0,
  add: (pane: PaneCount, n: number): number => n + pane.num,
  getResult: (n: number): number => n,
  merge: (a: number, b: number): number => a + b,
};

/** Per window start: the highest count so far and the auctions that have it; emitted when the window's results are complete. */
class HottestPerWindow implements KeyedProcessFunction<number, AuctionCount, AuctionCount> {
  private hottest?: ValueState<AuctionCount[]>;

  open(ctx: RuntimeContext): void {
    this.hottest = ctx.getState(new ValueStateDescriptor<AuctionCount[]>("hottest"));
  }

  processElement(c: AuctionCount, ctx: KeyedProcessContext<number>): void {
    const hottest = this.hottest!.value();
    if (hottest === undefined) {
      this.hottest!.update([c]);
      // The window's counts carry its max timestamp: once the watermark passes it, all have arrived.
      ctx.timerService().registerEventTimeTimer(ctx.timestamp()!);
    } else if (c.num > hottest[0]!.num) this.hottest!.update([c]);
    else if (c.num === hottest[0]!.num) this.hottest!.update([...hottest, c]);
  }

  onTimer(_timestamp: number, _ctx: unknown, out: Collector<AuctionCount>): void {
    for (const c of this.hottest!.value() ?? []) out.collect(c);
    this.hottest!.clear();
  }
}

/** q5: the hottest auctions of each sliding window. */
export function q5(events: DataStream<Event>): DataStream<AuctionCount> {
  return bids(events)
    .keyBy((b) => b.auction)
    .window(TumblingEventTimeWindows.of(Q5_SLIDE_MS))
    .aggregate(countBids, (auction, _ctx, counts, out: Collector<PaneCount>) => {
      for (const num of counts) out.collect({ auction: auction as number, num });
    })
    .keyBy((p) => p.auction)
    .window(SlidingEventTimeWindows.of(Q5_SIZE_MS, Q5_SLIDE_MS))
    .aggregate(sumPanes, (auction, ctx, sums, out: Collector<AuctionCount>) => {
      for (const num of sums) out.collect({ auction: auction as number, num, starttime: ctx.window.start });
    })
    .keyBy((c) => c.starttime)
    .process<AuctionCount>(new HottestPerWindow(), "Hottest per Window");
}
