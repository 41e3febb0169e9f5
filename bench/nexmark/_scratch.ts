import { StreamExecutionEnvironment } from "/work/main/core/index.ts";
for (let r = 0; r < 3; r++) {
  const env = StreamExecutionEnvironment.create();
  let n = 0;
  env.fromGenerator({ generate: (i, ctx) => ({ a: i, p: ctx.random() }), count: 5_000_000, seed: 1 }).map((x) => x).sinkTo({ createWriter: () => ({ write: () => { n++; }, flush: () => {} }) });
  const t = performance.now();
  await env.execute("x");
  console.log(n, ((5e6 / (performance.now() - t)) * 1000 / 1e6).toFixed(2), "M/s");
}
