/**
 * WebAssembly operators through the engine: a pipeline of component operators (filter ->
 * uppercase map -> split flatMap -> uppercase map, batches of 1000, records kept packed between
 * the components of the chain) against the same pipeline of idiomatic TypeScript functions, on
 * string records and on byte records (Uint8Array in and out, as Kafka delivers and takes them),
 * plus the host's overhead per batch call. Prints one JSON line per row (bench/harness.ts BenchRow).
 * Run: `npx tsx bench/wasm-bench.ts`, `deno run -A bench/wasm-bench.ts`, `bun bench/wasm-bench.ts`.
 */
import { StreamExecutionEnvironment, type DataStream } from "../core/index.ts";
import { encodeBatch } from "../operators-wasm/host/batch-codec.ts";
import { compiledGuest } from "../operators-wasm/host/engine-jobs.ts";
import { instantiateComponent } from "../operators-wasm/host/instance.ts";
import { wasm } from "../operators-wasm/host/wasm.ts";
import { type BenchRow, collectGarbage, countingSink, runtimeName, timed } from "./harness.ts";

const EVENTS = 300_000;
const words = ["alpha", "beta", "gamma", "#note", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda"];
// ASCII only, so the components' ASCII uppercasing and String#toUpperCase agree
const lines = Array.from({ length: EVENTS }, (_, i) => {
  const n = 1 + (i % 5);
  return Array.from({ length: n }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ");
});

const fold = (acc: number, s: string): number => (acc * 31 + s.length + s.charCodeAt(0)) | 0;

async function pipeline(build: (s: DataStream<string>) => DataStream<string>): Promise<{ ms: number; count: number; checksum: number }> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const { sink, result } = countingSink<string>(fold);
  build(env.fromCollection(lines)).sinkTo(sink);
  collectGarbage();
  const ms = await timed(() => env.execute("wasm bench"));
  return { ms, ...result };
}

const rows: BenchRow[] = [];
const runtime = runtimeName();
const filter = wasm(await compiledGuest("guests/filter-comments/guest.as.ts", "no-notes"));
const upper = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts", "upper"));
const split = wasm(await compiledGuest("guests/split-words/guest.as.ts", "split"));

const wasmPipeline = (s: DataStream<string>) => s.filter(filter).map<string>(upper).flatMap<string>(split).map<string>(upper);
const tsPipeline = (s: DataStream<string>) =>
  s.filter((l) => l.length > 0 && !l.startsWith("#")).map((l) => l.toUpperCase()).flatMap((l: string) => l.split(" ").filter((w) => w.length > 0)).map((w) => w.toUpperCase());
const wasmSingle = (s: DataStream<string>) => s.map<string>(upper);
const tsSingle = (s: DataStream<string>) => s.map((l) => l.toUpperCase());

for (const [name, w, t] of [
  ["wasm pipeline: filter, map, flatMap, map (4 components, packed between them)", wasmPipeline, tsPipeline],
  ["wasm single map (decode per record at the end)", wasmSingle, tsSingle],
] as const) {
  // warm up both, then take the best of three
  await pipeline(w);
  await pipeline(t);
  let bw = Infinity;
  let bt = Infinity;
  let check: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const a = await pipeline(w);
    const b = await pipeline(t);
    bw = Math.min(bw, a.ms);
    bt = Math.min(bt, b.ms);
    check = [a.count, b.count, a.checksum, b.checksum];
  }
  if (check[0] !== check[1] || check[2] !== check[3]) throw new Error(`[eddy] ${name}: WASM and TypeScript outputs differ: ${check.join(", ")}`);
  const eddy = (EVENTS / bw) * 1000;
  const base = (EVENTS / bt) * 1000;
  rows.push({ name, runtime, events: EVENTS, eddyEventsPerSecond: Math.round(eddy), baselineEventsPerSecond: Math.round(base), ratio: +(eddy / base).toFixed(2), note: `baseline: the same pipeline with TypeScript functions; ${check[0]} records out` });
}

// host overhead per batch call: an identity component on an empty batch, direct canonical ABI
const identity = await instantiateComponent(await compiledGuest("guests/identity-map/guest.as.ts", "identity"));
const empty = encodeBatch([]);
for (let i = 0; i < 20_000; i++) identity.processBatch(empty);
const calls = 200_000;
const ms = await timed(() => {
  for (let i = 0; i < calls; i++) identity.processBatch(empty);
});
const us = (ms * 1000) / calls;
rows.push({
  name: "host overhead per batch call (identity component, empty batch)",
  runtime,
  events: calls,
  eddyEventsPerSecond: Math.round((calls / ms) * 1000),
  baselineEventsPerSecond: Math.round(1e6 / 2),
  ratio: +(2 / us).toFixed(2),
  note: `${us.toFixed(2)} µs per call (target <= 2 µs; baseline column = the 2 µs target as calls/s)`,
});

for (const r of rows) console.log(JSON.stringify(r));
