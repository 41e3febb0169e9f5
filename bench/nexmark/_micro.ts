import { hashToUnit } from "../../core/connectors/generator-source.ts";
const N = 5_000_000;
let current = 0, draws = 0;
const ctx = { timestamp: 0, random: () => hashToUnit(7, current, draws++) };
const sink: unknown[] = [];
for (let r = 0; r < 4; r++) {
  const t = performance.now();
  for (let i = 0; i < N; i++) {
    current = i; draws = 0; ctx.timestamp = Math.floor(1e12 + i * 0.1);
    const a = Math.floor(ctx.random() * 2), b = Math.floor(ctx.random() * 4), p = Math.floor(ctx.random() * 4096), c = Math.floor(ctx.random() * 2), d = Math.floor(ctx.random() * 4);
    const bid = { auction: a + i, bidder: b + i, price: p, channel: "x", url: "y", dateTime: ctx.timestamp };
    const e = { type: 2, person: undefined, auction: undefined, bid };
    if ((i & 1023) === c + d) sink.push(e);
  }
  console.log("lower bound", ((performance.now() - t) / N * 1e6).toFixed(1), "ns/event");
}
