/**
 * The Nexmark event generator, after the specification and Flink's nexmark generator: one stream
 * of persons, auctions and bids in the proportion 1:3:46, event time advancing by a fixed
 * inter-event delay, and ids derived from the event number so that auctions name recent (mostly
 * "hot") sellers and bids name recent (mostly hot) auctions and bidders. Event i is a pure
 * function of (seed, i): Eddy's source and a baseline loop see identical events.
 */
import type { GeneratorContext, GeneratorSourceOptions } from "../../core/index.ts";
import { hashToUnit } from "../../core/connectors/generator-source.ts";
import { AUCTION, type Auction, BID, type Bid, type Event, PERSON, type Person } from "./model.ts";

/** Parameters of the generated stream (names after Flink nexmark's NexmarkConfiguration). */
export interface NexmarkConfig {
  /** Number of events. */
  readonly count: number;
  readonly seed?: number;
  /** Events per second of event time (nexmark's firstEventRate, default 10 000: 100 µs apart). */
  readonly eventsPerSecond?: number;
  /** Wall-clock rate limit in events per second; omitted = as fast as possible. */
  readonly ratePerSecond?: number;
  /** Event time of the first event (default 2025-01-01T00:00:00Z). */
  readonly baseTime?: number;
  readonly personProportion?: number;
  readonly auctionProportion?: number;
  readonly bidProportion?: number;
  /** 1 in this many auctions has a random seller, the rest a hot one (default 4). */
  readonly hotSellersRatio?: number;
  /** 1 in this many bids is on a random auction, the rest on a hot one (default 2). */
  readonly hotAuctionRatio?: number;
  /** 1 in this many bids has a random bidder, the rest a hot one (default 4). */
  readonly hotBiddersRatio?: number;
  /** Persons that random sellers and bidders are drawn from (default 1000). */
  readonly numActivePeople?: number;
  /** Auctions that random bids are drawn from; also sets auction lengths (default 100). */
  readonly numInFlightAuctions?: number;
}

/** Ids start here so that small runs still join (nexmark's FIRST_PERSON_ID and FIRST_AUCTION_ID). */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
/** Categories are FIRST_CATEGORY_ID .. FIRST_CATEGORY_ID + NUM_CATEGORIES - 1. */
export const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
/** Ids a little ahead of the last generated one may be named (the generator's "lead"). */
const ID_LEAD = 10;
/** Hot sellers, bidders and auctions are the first of each batch of this many ids. */
const HOT_BATCH = 100;
const CHANNELS = 10_000;
const PRICE_STEPS = 4096;

const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
const HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];

/** The generator: `fromGenerator` options and the same events for a plain loop. */
export interface NexmarkGenerator {
  readonly config: Required<Omit<NexmarkConfig, "ratePerSecond">> & Pick<NexmarkConfig, "ratePerSecond">;
  /** Options for `env.fromGenerator`. */
  readonly source: GeneratorSourceOptions<Event>;
  /** Event `index`, as the source generates it (for baselines). */
  event(index: number): Event;
  /** Calls `visit` with every event in order (for baselines). */
  forEach(visit: (event: Event, index: number) => void): void;
}

/** Event time of an event (its `dateTime`). */
export function eventTime(e: Event): number {
  return e.bid?.dateTime ?? e.auction?.dateTime ?? e.person!.dateTime;
}

/**
 * Creates the generator for `config`.
 *
 * @example
 * const gen = nexmarkGenerator({ count: 1_000_000, seed: 1 });
 * const events = env.fromGenerator(gen.source, WatermarkStrategy.forBoundedOutOfOrderness<Event>(4_000));
 */
export function nexmarkGenerator(options: NexmarkConfig): NexmarkGenerator {
  const config = {
    seed: 42,
    eventsPerSecond: 10_000,
    baseTime: Date.UTC(2025, 0, 1),
    personProportion: 1,
    auctionProportion: 3,
    bidProportion: 46,
    hotSellersRatio: 4,
    hotAuctionRatio: 2,
    hotBiddersRatio: 4,
    numActivePeople: 1000,
    numInFlightAuctions: 100,
    ...options,
  };
  const { seed, personProportion: P, auctionProportion: A, hotSellersRatio, hotAuctionRatio, hotBiddersRatio, numActivePeople, numInFlightAuctions } = config;
  const total = P + A + config.bidProportion;
  const intervalMs = 1000 / config.eventsPerSecond;
  const startTime = config.baseTime;
  // The source's timestamp for record n (generatorTimestamp without disorder).
  const timestampFor = (eventNumber: number): number => Math.floor(startTime + eventNumber * intervalMs);
  // Auction lengths average the event time it takes to open numInFlightAuctions more auctions.
  const eventsForInFlightAuctions = Math.floor((numInFlightAuctions * total) / A);
  const text = randomText(seed, 8192);
  const channelNames: string[] = new Array<string>(CHANNELS).fill("");
  const channelUrls: string[] = new Array<string>(CHANNELS).fill("");
  const fourDigits = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, "0"));
  // Strings kept for reuse are built with join: flat, where template literals would leave ropes
  // that every later read walks.
  const hotUrls = HOT_CHANNELS.map((_, i) => ["https://www.nexmark.com/", text.slice(i * 5, i * 5 + 5), "/item.htm?query=1"].join(""));

  const lastPersonId = (eventId: number): number => {
    const epoch = Math.floor(eventId / total);
    const offset = eventId % total;
    return epoch * P + (offset >= P ? P - 1 : offset);
  };
  const lastAuctionId = (eventId: number): number => {
    let epoch = Math.floor(eventId / total);
    let offset = eventId % total;
    if (offset < P) {
      epoch--;
      offset = A - 1;
    } else if (offset >= P + A) offset = A - 1;
    else offset -= P;
    return epoch * A + offset;
  };
  const int = (ctx: GeneratorContext, n: number): number => Math.floor(ctx.random() * n);
  const randomPersonId = (eventId: number, ctx: GeneratorContext): number => {
    const people = lastPersonId(eventId) + 1;
    const active = Math.min(people, numActivePeople);
    return people - active + int(ctx, active + ID_LEAD);
  };
  const randomAuctionId = (eventId: number, ctx: GeneratorContext): number => {
    const last = lastAuctionId(eventId);
    const first = Math.max(last - numInFlightAuctions, 0);
    return first + int(ctx, last - first + 1 + ID_LEAD);
  };
  // Prices spread log-uniformly over six orders of magnitude, in cents (nexmark's PriceGenerator),
  // drawn from a table: Math.pow per bid cost more than the rest of the bid.
  const prices = Array.from({ length: PRICE_STEPS }, (_, k) => Math.round(10 ** ((k / PRICE_STEPS) * 6) * 100));
  const price = (ctx: GeneratorContext): number => prices[int(ctx, PRICE_STEPS)]!;
  // A random lowercase string of 3 to maxLength - 1 characters: a slice of a seeded text.
  const string = (ctx: GeneratorContext, maxLength: number): string => {
    const length = 3 + int(ctx, maxLength - 3);
    const start = int(ctx, text.length - length);
    return text.slice(start, start + length);
  };
  const digits4 = (ctx: GeneratorContext): string => fourDigits[int(ctx, 10_000)]!;

  const person = (eventId: number, ctx: GeneratorContext): Person => ({
    id: lastPersonId(eventId) + FIRST_PERSON_ID,
    name: `${FIRST_NAMES[int(ctx, FIRST_NAMES.length)]} ${LAST_NAMES[int(ctx, LAST_NAMES.length)]}`,
    emailAddress: `${string(ctx, 7)}@${string(ctx, 5)}.com`,
    creditCard: `${digits4(ctx)} ${digits4(ctx)} ${digits4(ctx)} ${digits4(ctx)}`,
    city: US_CITIES[int(ctx, US_CITIES.length)]!,
    state: US_STATES[int(ctx, US_STATES.length)]!,
    dateTime: ctx.timestamp,
  });

  const auction = (eventId: number, ctx: GeneratorContext): Auction => {
    const id = lastAuctionId(eventId) + FIRST_AUCTION_ID;
    const seller = (int(ctx, hotSellersRatio) > 0 ? Math.floor(lastPersonId(eventId) / HOT_BATCH) * HOT_BATCH : randomPersonId(eventId, ctx)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + int(ctx, NUM_CATEGORIES);
    const initialBid = price(ctx);
    const ts = ctx.timestamp;
    const horizon = timestampFor(eventId + eventsForInFlightAuctions) - ts;
    const expires = ts + 1 + int(ctx, Math.max(horizon * 2, 1));
    const itemName = string(ctx, 20);
    const description = string(ctx, 100);
    const reserve = initialBid + price(ctx);
    return { id, itemName, description, initialBid, reserve, dateTime: ts, expires, seller, category };
  };

  const bid = (eventId: number, ctx: GeneratorContext): Bid => {
    // A bid comes after its epoch's person and auctions: lastPersonId and lastAuctionId, inlined.
    const epoch = Math.floor(eventId / total);
    const lastAuction = epoch * A + A - 1;
    const lastPerson = epoch * P + P - 1;
    // The four small choices of a bid share one draw, each taking its digit of a mixed radix
    // (at most 18 of the draw's 32 bits): a draw costs more than the rest of the choice.
    let u = ctx.random() * hotAuctionRatio;
    const hotAuction = u >= 1;
    u = (u - Math.floor(u)) * hotBiddersRatio;
    const hotBidder = u >= 1;
    u = (u - Math.floor(u)) * 2;
    const hotChannel = u >= 1;
    u -= Math.floor(u);
    const auction = (hotAuction ? Math.floor(lastAuction / HOT_BATCH) * HOT_BATCH : randomAuctionId(eventId, ctx)) + FIRST_AUCTION_ID;
    // Hot bidders are the second of their batch, so that they differ from hot sellers.
    const bidder = (hotBidder ? Math.floor(lastPerson / HOT_BATCH) * HOT_BATCH + 1 : randomPersonId(eventId, ctx)) + FIRST_PERSON_ID;
    const p = price(ctx);
    let channel: string;
    let url: string;
    if (hotChannel) {
      const i = Math.floor(u * HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = hotUrls[i]!;
    } else {
      const n = Math.floor(u * CHANNELS);
      // Channel n's name and url depend on n only: built once, then shared.
      channel = channelNames[n]!;
      if (channel === "") {
        channel = channelNames[n] = `channel-${n}`;
        channelUrls[n] = ["https://www.nexmark.com/", text.slice(n % 4000, (n % 4000) + 5), "/", text.slice((n * 7) % 4000, ((n * 7) % 4000) + 5), "/item.htm?query=1&channel_id=", n].join("");
      }
      url = channelUrls[n]!;
    }
    return { auction, bidder, price: p, channel, url, dateTime: ctx.timestamp };
  };

  const event = (index: number, ctx: GeneratorContext): Event => {
    const rem = index % total;
    if (rem < P) return { type: PERSON, person: person(index, ctx), auction: undefined, bid: undefined };
    if (rem < P + A) return { type: AUCTION, person: undefined, auction: auction(index, ctx), bid: undefined };
    return { type: BID, person: undefined, auction: undefined, bid: bid(index, ctx) };
  };

  const source: GeneratorSourceOptions<Event> = { generate: event, count: config.count, seed, startTime, intervalMs, ratePerSecond: config.ratePerSecond };
  // The context the source hands to `generate` for record i: same timestamp, same random sequence.
  let current = 0;
  let draws = 0;
  const ctx = { timestamp: 0, random: (): number => hashToUnit(seed, current, draws++) };
  const contextFor = (index: number): GeneratorContext => {
    current = index;
    draws = 0;
    ctx.timestamp = timestampFor(index);
    return ctx;
  };
  return {
    config,
    source,
    event: (index) => event(index, contextFor(index)),
    forEach(visit) {
      for (let i = 0; i < config.count; i++) visit(event(i, contextFor(i)), i);
    },
  };
}

/** `length` seeded lowercase letters with a space now and then, to cut random strings from. */
function randomText(seed: number, length: number): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let s = "";
  for (let i = 0; i < length; i++) {
    s += hashToUnit(seed ^ 0x5bd1e995, i, 0) < 0.05 ? " " : letters[Math.floor(hashToUnit(seed ^ 0x5bd1e995, i, 1) * 26)];
  }
  return s;
}
