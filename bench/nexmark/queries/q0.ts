/** Nexmark q0, pass-through: every bid as it is (measures the source, the views and the sink). */
import type { DataStream } from "../../../core/index.ts";
import type { Bid, Event } from "../model.ts";
import { bids } from "./views.ts";

/** q0's output is the bids themselves. */
export function q0(events: DataStream<Event>): DataStream<Bid> {
  return bids(events);
}
