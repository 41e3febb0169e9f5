/**
 * The source and the three typed views every query starts from, as Flink's nexmark defines
 * `person`, `auction` and `bid` views over one `datagen` table of events.
 */
import { type DataStream, type StreamExecutionEnvironment, WatermarkStrategy } from "../../../core/index.ts";
import type { NexmarkGenerator } from "../generator.ts";
import { AUCTION, type Auction, BID, type Bid, type Event, PERSON, type Person } from "../model.ts";

/** Watermarks trail the largest event time by 4 s, as in Flink nexmark's DDL (`dateTime - INTERVAL '4' SECOND`). */
export const WATERMARK_BOUND_MS = 4_000;

/** The generated events with their event time (the generator sets each record's timestamp to its dateTime). */
export function nexmarkSource(env: StreamExecutionEnvironment, generator: NexmarkGenerator): DataStream<Event> {
  return env.fromGenerator(generator.source, WatermarkStrategy.forBoundedOutOfOrderness<Event>(WATERMARK_BOUND_MS), "Nexmark Source");
}

/** The bids of the stream. */
export function bids(events: DataStream<Event>): DataStream<Bid> {
  return events.filter((e) => e.type === BID, "Bids").map((e) => e.bid!, "Bid");
}

/** The new auctions of the stream. */
export function auctions(events: DataStream<Event>): DataStream<Auction> {
  return events.filter((e) => e.type === AUCTION, "Auctions").map((e) => e.auction!, "Auction");
}

/** The new persons of the stream. */
export function persons(events: DataStream<Event>): DataStream<Person> {
  return events.filter((e) => e.type === PERSON, "Persons").map((e) => e.person!, "Person");
}
