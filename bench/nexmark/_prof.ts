import { nexmarkGenerator } from "./generator.ts";
import { QUERIES, digestSink, runQuery } from "./suite.ts";
const name = process.argv[2]!; const n = Number(process.argv[3] ?? 2_000_000);
const q = QUERIES.find((x) => x.name === name)!;
for (let r = 0; r < 3; r++) {
  const gen = nexmarkGenerator({ count: r === 0 ? n / 10 : n, seed: 7 });
  const { sink, digest } = digestSink(q.fingerprint);
  const t = performance.now();
  await runQuery(q, gen, sink);
  console.log(name, digest.count, ((gen.config.count / (performance.now() - t)) / 1000).toFixed(2), "M/s");
}
