import { StreamExecutionEnvironment, WatermarkStrategy, TumblingEventTimeWindows } from "/work/main/core/index.ts";
const N = 5_000_000;
let count = 0;
const sink = { createWriter: () => ({ write: () => { count++; }, flush: () => {} }) };
let t = performance.now();
{
  const env = StreamExecutionEnvironment.create();
  env.fromGenerator({ generate: (i) => i, count: N }).map((x) => x * 2).filter((x) => x % 3 !== 0).sinkTo(sink);
  await env.execute();
}
let dt = performance.now() - t;
console.log("chain", count, (N / dt * 1000 / 1e6).toFixed(2), "M/s");
t = performance.now(); let c2 = 0;
for (let i = 0; i < N; i++) { const x = i * 2; if (x % 3 !== 0) c2++; }
console.log("loop", (N / (performance.now() - t) * 1000 / 1e6).toFixed(2), "M/s");
const M = 3_000_000;
count = 0;
t = performance.now();
{
  const env = StreamExecutionEnvironment.create();
  env.fromGenerator({ generate: (i) => ({ key: i % 10000, ts: 0 }), count: M, disorder: { fraction: 0.1, maxDelayMs: 500 } },
      WatermarkStrategy.forBoundedOutOfOrderness<any>(500))
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(1000))
    .aggregate({ createAccumulator: () => 0, add: (_v, a: number) => a + 1, getResult: (a) => a, merge: (a, b) => a + b })
    .sinkTo(sink);
  await env.execute();
}
dt = performance.now() - t;
console.log("window", count, (M / dt * 1000 / 1e6).toFixed(2), "M/s");
