import { nexmarkGenerator } from "./generator.ts";
const gen = nexmarkGenerator({ count: 2_000_000, seed: 1 });
for (const [label, pick] of [["bids", (i: number) => (i % 50) >= 4], ["persons", (i: number) => i % 50 === 0], ["auctions", (i: number) => (i % 50) >= 1 && (i % 50) < 4]] as const) {
  for (let r = 0; r < 3; r++) {
    let n = 0, k = 0;
    const t = performance.now();
    for (let i = 0; i < 2_000_000; i++) if (pick(i)) { n += gen.event(i).type; k++; }
    console.log(label, ((performance.now() - t) / k * 1e6).toFixed(1), "ns each", n);
  }
}
