/**
 * Nexmark q8, monitor new users: the persons who registered and opened an auction in the same
 * 10 s tumbling event-time window. A window co-group of persons and the sellers of auctions on
 * person.id = auction.seller, so each such person is emitted once per window however many
 * auctions they opened (the SQL groups both sides by id and window before joining).
 */
import { type Collector, type DataStream, TumblingEventTimeWindows } from "../../../core/index.ts";
import type { Event, Person } from "../model.ts";
import { auctions, persons } from "./views.ts";

/** Window size of q8. */
export const Q8_SIZE_MS = 10_000;

/** A new user who sold in the window starting at `starttime`. */
export interface NewSeller {
  readonly id: number;
  readonly name: string;
  readonly starttime: number;
}

/** q8: new persons who opened an auction in their first window. */
export function q8(events: DataStream<Event>): DataStream<NewSeller> {
  // Only the seller of an auction matters: the window keeps its id, not the whole auction.
  const sellers = auctions(events).map((a) => a.seller, "Seller");
  return persons(events)
    .coGroup(sellers)
    .where((p) => p.id)
    .equalTo((seller) => seller)
    .window(TumblingEventTimeWindows.of(Q8_SIZE_MS))
    .coGroup((people: Person[], sold: number[], out: Collector<NewSeller>) => {
      if (sold.length === 0) return;
      for (const p of people) out.collect({ id: p.id, name: p.name, starttime: Math.floor(p.dateTime / Q8_SIZE_MS) * Q8_SIZE_MS });
    });
}
