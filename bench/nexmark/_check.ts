import { nexmarkGenerator } from "./generator.ts";
import { QUERIES, digestSink, runBaseline, runQuery } from "./suite.ts";
const gen = nexmarkGenerator({ count: Number(process.argv[2] ?? 200_000), seed: 1 });
for (const q of QUERIES) {
  const { sink, digest } = digestSink(q.fingerprint);
  let t = performance.now();
  await runQuery(q, gen, sink);
  const e = performance.now() - t;
  t = performance.now();
  const b = runBaseline(q, gen);
  const bm = performance.now() - t;
  console.log(q.name, JSON.stringify(digest), JSON.stringify(b), digest.count === b.count && digest.checksum === b.checksum ? "OK" : "MISMATCH", (gen.config.count / e / 1000).toFixed(2), "M/s eddy", (gen.config.count / bm / 1000).toFixed(2), "M/s base");
}
