import { hashToUnit } from "../../core/connectors/generator-source.ts";
const N = 5_000_000;
for (let r = 0; r < 3; r++) {
  let t = performance.now(); let s = 0;
  for (let i = 0; i < N; i++) for (let k = 0; k < 7; k++) s += hashToUnit(1, i, k);
  console.log("7 hash", ((performance.now() - t) / N * 1e6).toFixed(1), "ns/event");
  t = performance.now();
  for (let i = 0; i < N; i++) s += Math.round(10 ** ((i % 1000) / 1000 * 6) * 100);
  console.log("pow", ((performance.now() - t) / N * 1e6).toFixed(1), "ns/event");
  t = performance.now(); const a = [];
  for (let i = 0; i < N; i++) { const b = { auction: i, bidder: i, price: i, channel: "x", url: "y", dateTime: i }; const e = { type: 2, person: undefined, auction: undefined, bid: b }; if ((i & 1023) === 0) a.push(e); }
  console.log("alloc", ((performance.now() - t) / N * 1e6).toFixed(1), "ns/event", a.length);
}
