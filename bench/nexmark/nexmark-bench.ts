/**
 * The Nexmark suite: each query on Eddy (parallelism 1) and its hand-written baseline
 * over the same generated events, in the same process; the outputs must be equal. Prints one
 * BenchRow JSON line per query: events/s of both (best of EDDY_BENCH_REPEAT runs, default 3),
 * their ratio, and Eddy's peak heap (heap in use while the query ran, sampled every 20 ms).
 * Run: `npx tsx bench/nexmark/nexmark-bench.ts [q1 q5 ...]`, `deno run -A ...`, `bun ...`;
 * EDDY_BENCH_SCALE=0.1 shrinks every size.
 */
import { type BenchRow, collectGarbage, runtimeName, timed, withPeakHeap } from "../harness.ts";
import { nexmarkGenerator } from "./generator.ts";
import { type NexmarkQuery, QUERIES, digestSink, runBaseline, runQuery } from "./suite.ts";

const SEED = 7;
/** Events per measured run: the stateless queries run longer because each event costs less. */
const EVENTS: Record<string, number> = { q0: 3_000_000, q1: 3_000_000, q2: 3_000_000, q3: 2_000_000, q4: 1_500_000, q5: 1_500_000, q7: 2_000_000, q8: 2_000_000 };

/**
 * Runs Eddy and the baseline `repeat` times, alternately (so that both see the same load on a
 * shared machine), checks every output, and keeps the best time of each side.
 */
async function measure(query: NexmarkQuery<unknown>, events: number, repeat: number): Promise<BenchRow> {
  const generator = nexmarkGenerator({ count: events, seed: SEED });
  let eddyMs = Number.POSITIVE_INFINITY;
  let baseMs = Number.POSITIVE_INFINITY;
  let peak = 0;
  let results = 0;
  for (let r = 0; r < repeat; r++) {
    const { sink, digest } = digestSink(query.fingerprint);
    collectGarbage();
    let ms = 0;
    const { peakBytes } = await withPeakHeap(async () => {
      ms = await timed(() => runQuery(query, generator, sink));
    });
    eddyMs = Math.min(eddyMs, ms);
    peak = Math.max(peak, peakBytes);
    collectGarbage();
    let base = { count: 0, checksum: 0 };
    baseMs = Math.min(
      baseMs,
      await timed(() => {
        base = runBaseline(query, generator);
      }),
    );
    if (digest.count !== base.count || digest.checksum !== base.checksum) {
      throw new Error(`[bench] nexmark ${query.name}: Eddy's output (${digest.count} records, checksum ${digest.checksum}) differs from the baseline's (${base.count}, ${base.checksum})`);
    }
    results = digest.count;
  }
  const eddy = (events / eddyMs) * 1000;
  const baseline = (events / baseMs) * 1000;
  return {
    name: `${query.name} ${query.title}`,
    runtime: runtimeName(),
    events,
    eddyEventsPerSecond: Math.round(eddy),
    baselineEventsPerSecond: Math.round(baseline),
    ratio: Math.round((eddy / baseline) * 100) / 100,
    peakHeapMb: Math.round(peak / 1024 / 1024),
    note: `${results} results, equal to the baseline's`,
  };
}

const g = globalThis as { process?: { env: Record<string, string | undefined>; argv: string[] }; Deno?: { args: string[] } };
const scale = Number(g.process?.env.EDDY_BENCH_SCALE ?? "1");
const repeat = Number(g.process?.env.EDDY_BENCH_REPEAT ?? "3");
const args = (g.Deno?.args ?? g.process?.argv.slice(2) ?? []).filter((a) => /^q\d+$/.test(a));
const selected = QUERIES.filter((q) => args.length === 0 || args.includes(q.name));
for (const query of selected) {
  const events = Math.max(10_000, Math.round(EVENTS[query.name]! * scale));
  // Warm-up at a tenth of the size so that the JIT has seen every path of both sides.
  await measure(query, Math.round(events / 10), 1);
  console.log(JSON.stringify(await measure(query, events, repeat)));
}
