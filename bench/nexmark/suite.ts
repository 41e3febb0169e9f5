/**
 * The Nexmark queries with their baselines, and how to run and compare them: each Eddy query
 * runs on the generated events, its hand-written baseline on the same events, and the two
 * outputs must be equal as multisets (a count and an order-independent checksum of record
 * fingerprints for large runs; whole records in the tests).
 */
import { type DataStream, type Sink, StreamExecutionEnvironment } from "../../core/index.ts";
import { countingSink } from "../harness.ts";
import type { NexmarkGenerator } from "./generator.ts";
import type { Bid, Event } from "./model.ts";
import { q0Baseline } from "./baselines/q0.ts";
import { q1Baseline } from "./baselines/q1.ts";
import { q2Baseline } from "./baselines/q2.ts";
import { q3Baseline } from "./baselines/q3.ts";
import { q4Baseline } from "./baselines/q4.ts";
import { q5Baseline } from "./baselines/q5.ts";
import { q7Baseline } from "./baselines/q7.ts";
import { q8Baseline } from "./baselines/q8.ts";
import { q0 } from "./queries/q0.ts";
import { type EuroBid, q1 } from "./queries/q1.ts";
import { type AuctionPrice, q2 } from "./queries/q2.ts";
import { type LocalItem, q3 } from "./queries/q3.ts";
import { type CategoryAverage, q4 } from "./queries/q4.ts";
import { type AuctionCount, q5 } from "./queries/q5.ts";
import { type HighestBid, q7 } from "./queries/q7.ts";
import { type NewSeller, q8 } from "./queries/q8.ts";
import { nexmarkSource } from "./queries/views.ts";

/** A query, its baseline, and a 32-bit fingerprint of its output records. */
export interface NexmarkQuery<T> {
  readonly name: string;
  readonly title: string;
  readonly build: (events: DataStream<Event>) => DataStream<T>;
  readonly baseline: (generator: NexmarkGenerator, emit: (record: T) => void) => void;
  readonly fingerprint: (record: T) => number;
}

/** Folds an integer (its low 32 bits) into a hash. */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 0x9e3779b1);
  return h ^ (h >>> 15);
}
/** Folds a number with a fraction (20 bits of it) into a hash. */
function mixFloat(h: number, v: number): number {
  return mix(mix(h, v), (v - Math.floor(v)) * 1048576);
}
/**
 * Folds a string's length into a hash. Reading its characters would touch memory the query
 * never reads (urls of 10 000 channels), and the tests compare whole records anyway.
 */
function mixString(h: number, s: string): number {
  return mix(h, s.length);
}
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

const bidPrint = (b: Bid): number => finish(mix(mix(mix(mix(1, b.auction), b.bidder), b.price), b.dateTime));

/** Every Nexmark query Eddy runs, in order. */
export const QUERIES: readonly NexmarkQuery<any>[] = [
  { name: "q0", title: "pass-through", build: q0, baseline: q0Baseline, fingerprint: bidPrint } satisfies NexmarkQuery<Bid>,
  {
    name: "q1",
    title: "currency conversion",
    build: q1,
    baseline: q1Baseline,
    fingerprint: (r) => finish(mix(mixFloat(mix(mix(2, r.auction), r.bidder), r.price), r.dateTime)),
  } satisfies NexmarkQuery<EuroBid>,
  { name: "q2", title: "selection", build: q2, baseline: q2Baseline, fingerprint: (r) => finish(mix(mix(3, r.auction), r.price)) } satisfies NexmarkQuery<AuctionPrice>,
  {
    name: "q3",
    title: "local item suggestion (incremental join)",
    build: q3,
    baseline: q3Baseline,
    fingerprint: (r) => finish(mix(mixString(mixString(mixString(4, r.name), r.city), r.state), r.id)),
  } satisfies NexmarkQuery<LocalItem>,
  {
    name: "q4",
    title: "average price per category",
    build: q4,
    baseline: q4Baseline,
    fingerprint: (r) => finish(mixFloat(mix(mix(5, r.category), r.dateTime), r.average)),
  } satisfies NexmarkQuery<CategoryAverage>,
  {
    name: "q5",
    title: "hot items (sliding window)",
    build: q5,
    baseline: q5Baseline,
    fingerprint: (r) => finish(mix(mix(mix(6, r.auction), r.num), r.starttime)),
  } satisfies NexmarkQuery<AuctionCount>,
  {
    name: "q7",
    title: "highest bid (tumbling window)",
    build: q7,
    baseline: q7Baseline,
    fingerprint: (r) => finish(mix(mix(mix(mix(mix(7, r.auction), r.bidder), r.price), r.dateTime), r.windowEnd)),
  } satisfies NexmarkQuery<HighestBid>,
  {
    name: "q8",
    title: "new users (window join)",
    build: q8,
    baseline: q8Baseline,
    fingerprint: (r) => finish(mix(mixString(mix(8, r.id), r.name), r.starttime)),
  } satisfies NexmarkQuery<NewSeller>,
];

/** Number of records and the sum of their fingerprints mod 2^32: equal for equal multisets. */
export interface OutputDigest {
  count: number;
  checksum: number;
}

/** A sink folding records into an {@link OutputDigest}. */
export function digestSink<T>(fingerprint: (record: T) => number): { sink: Sink<T>; digest: OutputDigest } {
  const { sink, result } = countingSink<T>((acc, v) => (acc + fingerprint(v)) >>> 0);
  return { sink, digest: result };
}

/** Runs the Eddy query on the generator's events (parallelism 1) into `sink`. */
export async function runQuery<T>(query: NexmarkQuery<T>, generator: NexmarkGenerator, sink: Sink<T>): Promise<void> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  query.build(nexmarkSource(env, generator)).sinkTo(sink, "Nexmark Sink");
  await env.execute(`nexmark ${query.name}`);
}

/** Runs the baseline and folds its output into a digest. */
export function runBaseline<T>(query: NexmarkQuery<T>, generator: NexmarkGenerator): OutputDigest {
  const digest = { count: 0, checksum: 0 };
  const fingerprint = query.fingerprint;
  query.baseline(generator, (r) => {
    digest.count++;
    digest.checksum = (digest.checksum + fingerprint(r)) >>> 0;
  });
  return digest;
}
