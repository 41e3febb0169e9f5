import { describe, expect, test } from "vitest";
import type { Sink } from "../../core/index.ts";
import { FIRST_AUCTION_ID, FIRST_PERSON_ID, nexmarkGenerator } from "./generator.ts";
import { AUCTION, BID, PERSON } from "./model.ts";
import { QUERIES, runQuery } from "./suite.ts";

const canonical = (records: unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

function collect<T>(into: T[]): Sink<T> {
  return { createWriter: () => ({ write: (v: T) => void into.push(v), flush: () => {} }) };
}

describe("nexmark generator", () => {
  test("persons, auctions and bids come 1:3:46, in event-time order, the same for the same seed", () => {
    const gen = nexmarkGenerator({ count: 5_000, seed: 3 });
    const counts = [0, 0, 0];
    let last = Number.NEGATIVE_INFINITY;
    gen.forEach((e) => {
      counts[e.type]!++;
      const ts = e.person?.dateTime ?? e.auction?.dateTime ?? e.bid!.dateTime;
      expect(ts).toBeGreaterThanOrEqual(last);
      last = ts;
    });
    expect(counts).toEqual([100, 300, 4600]);
    expect(nexmarkGenerator({ count: 5_000, seed: 3 }).event(4321)).toEqual(gen.event(4321));
    expect(nexmarkGenerator({ count: 5_000, seed: 4 }).event(4321)).not.toEqual(gen.event(4321));
  });

  test("auctions name recent sellers and bids name recent auctions and bidders", () => {
    const gen = nexmarkGenerator({ count: 20_000, seed: 5 });
    let persons = 0;
    let auctions = 0;
    gen.forEach((e) => {
      if (e.type === PERSON) expect(e.person!.id).toBe(FIRST_PERSON_ID + persons++);
      else if (e.type === AUCTION) {
        const a = e.auction!;
        expect(a.id).toBe(FIRST_AUCTION_ID + auctions++);
        expect(a.seller).toBeLessThan(FIRST_PERSON_ID + persons + 10);
        expect(a.expires).toBeGreaterThan(a.dateTime);
        expect(a.category).toBeGreaterThanOrEqual(10);
        expect(a.category).toBeLessThan(15);
        expect(a.reserve).toBeGreaterThanOrEqual(a.initialBid);
      } else if (e.type === BID) {
        const b = e.bid!;
        expect(b.auction).toBeLessThan(FIRST_AUCTION_ID + auctions + 10);
        expect(b.auction).toBeGreaterThanOrEqual(Math.max(FIRST_AUCTION_ID, FIRST_AUCTION_ID + auctions - 101));
        expect(b.bidder).toBeLessThan(FIRST_PERSON_ID + persons + 10);
        expect(b.price).toBeGreaterThanOrEqual(100);
        expect(b.url.startsWith("https://www.nexmark.com/")).toBe(true);
      }
    });
  });
});

describe("nexmark queries equal their baselines", () => {
  // 2 000 events per second of event time: 40 000 events span 20 s, several windows of each query.
  const gen = nexmarkGenerator({ count: 40_000, seed: 11, eventsPerSecond: 2_000 });
  for (const query of QUERIES) {
    test(`${query.name} ${query.title}`, async () => {
      const eddy: unknown[] = [];
      await runQuery(query, gen, collect(eddy));
      const baseline: unknown[] = [];
      query.baseline(gen, (r) => void baseline.push(r));
      expect(baseline.length).toBeGreaterThan(0);
      expect(canonical(eddy)).toEqual(canonical(baseline));
    });
  }
});
