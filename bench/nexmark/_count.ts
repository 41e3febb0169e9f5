import { nexmarkGenerator } from "./generator.ts";
const gen = nexmarkGenerator({ count: 1_000_000, seed: 7 });
const seen = new Set<number>(); let bids = 0, unknown = 0; const timers = new Set<number>(); let ts = new Set<number>();
gen.forEach((e) => { if (e.auction) { seen.add(e.auction.id); ts.add(e.auction.expires); } if (e.bid) { bids++; if (!seen.has(e.bid.auction)) { unknown++; timers.add(e.bid.dateTime); } } });
console.log({ bids, unknown, distinctEarlyTimerTs: timers.size, auctions: seen.size, distinctExpires: ts.size });
