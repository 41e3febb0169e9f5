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

const ROUNDS = 5;
const fold = (acc: number, s: string): number => (acc * 31 + s.length + s.charCodeAt(0)) | 0;
const foldBytes = (acc: number, b: Uint8Array): number => (acc * 31 + b.length + b[0]! + b[b.length - 1]!) | 0;

// Byte records: each line its own Uint8Array of UTF-8, as a Kafka source hands out values.
const utf8 = new TextEncoder();
const byteLines = lines.map((l) => utf8.encode(l));

async function pipeline<T>(input: readonly T[], f: (acc: number, v: T) => number, build: (s: DataStream<T>) => DataStream<T>): Promise<{ ms: number; count: number; checksum: number }> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const { sink, result } = countingSink<T>(f);
  build(env.fromCollection(input)).sinkTo(sink);
  collectGarbage();
  const ms = await timed(() => env.execute("wasm bench"));
  return { ms, ...result };
}

const rows: BenchRow[] = [];
const runtime = runtimeName();
const filter = wasm(await compiledGuest("guests/filter-comments/guest.as.ts", "no-notes"));
const upper = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts", "upper"));
const split = wasm(await compiledGuest("guests/split-words/guest.as.ts", "split"));
// the same components with byte values: records cross the boundary as they are
const bytes = { values: "bytes" } as const;
const filterB = wasm(await compiledGuest("guests/filter-comments/guest.as.ts", "no-notes"), bytes);
const upperB = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts", "upper"), bytes);
const splitB = wasm(await compiledGuest("guests/split-words/guest.as.ts", "split"), bytes);

const wasmPipeline = (s: DataStream<string>) => s.filter(filter).map<string>(upper).flatMap<string>(split).map<string>(upper);
const tsPipeline = (s: DataStream<string>) =>
  s.filter((l) => l.length > 0 && !l.startsWith("#")).map((l) => l.toUpperCase()).flatMap((l: string) => l.split(" ").filter((w) => w.length > 0)).map((w) => w.toUpperCase());
const wasmSingle = (s: DataStream<string>) => s.map<string>(upper);
const tsSingle = (s: DataStream<string>) => s.map((l) => l.toUpperCase());
const wasmBytes = (s: DataStream<Uint8Array>) => s.filter(filterB).map<Uint8Array>(upperB).flatMap<Uint8Array>(splitB).map<Uint8Array>(upperB);
// what a user writes on byte records: decode once, work on strings, encode each output record
const utf8d = new TextDecoder();
const tsBytes = (s: DataStream<Uint8Array>) =>
  s.map((b) => utf8d.decode(b))
    .filter((l) => l.length > 0 && !l.startsWith("#"))
    .map((l) => l.toUpperCase())
    .flatMap((l: string) => l.split(" ").filter((w) => w.length > 0))
    .map((w) => utf8.encode(w.toUpperCase()));

/** Warms both up, then alternates them and takes the best of each (the machine may be shared); checks that both give the same output. */
async function compare<T>(name: string, input: readonly T[], f: (acc: number, v: T) => number, w: (s: DataStream<T>) => DataStream<T>, t: (s: DataStream<T>) => DataStream<T>, note: string): Promise<void> {
  await pipeline(input, f, w);
  await pipeline(input, f, t);
  let bw = Infinity;
  let bt = Infinity;
  let check: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < ROUNDS; i++) {
    const a = await pipeline(input, f, w);
    const b = await pipeline(input, f, t);
    bw = Math.min(bw, a.ms);
    bt = Math.min(bt, b.ms);
    check = [a.count, b.count, a.checksum, b.checksum];
  }
  if (check[0] !== check[1] || check[2] !== check[3]) throw new Error(`[eddy] ${name}: WASM and TypeScript outputs differ: ${check.join(", ")}`);
  const eddy = (EVENTS / bw) * 1000;
  const base = (EVENTS / bt) * 1000;
  rows.push({ name, runtime, events: EVENTS, eddyEventsPerSecond: Math.round(eddy), baselineEventsPerSecond: Math.round(base), ratio: +(eddy / base).toFixed(2), note: `${note}; ${check[0]} records out` });
}

await compare("wasm pipeline on bytes: filter, map, flatMap, map (Uint8Array in and out)", byteLines, foldBytes, wasmBytes, tsBytes as (s: DataStream<Uint8Array>) => DataStream<Uint8Array>,
  "baseline: TypeScript functions that decode each input (TextDecoder), work on strings and encode each output (TextEncoder)");
await compare("wasm pipeline on strings: filter, map, flatMap, map (4 components, packed between them)", lines, fold, wasmPipeline, tsPipeline,
  "baseline: the same pipeline with TypeScript functions on strings");
await compare("wasm single map on strings (one component, strings in and out)", lines, fold, wasmSingle, tsSingle, "baseline: the same map with a TypeScript function");

// host overhead per batch call: an identity component on an empty batch, direct canonical ABI.
// The machine may be shared: report the best of many short rounds (the quiet moments).
const identity = await instantiateComponent(await compiledGuest("guests/identity-map/guest.as.ts", "identity"));
const empty = encodeBatch([]);
for (let i = 0; i < 20_000; i++) identity.processBatch(empty);
const CALL_ROUNDS = 40;
const PER_ROUND = 10_000;
const perCall: number[] = [];
for (let r = 0; r < CALL_ROUNDS; r++) {
  const ms = await timed(() => {
    for (let i = 0; i < PER_ROUND; i++) identity.processBatch(empty);
  });
  perCall.push((ms * 1000) / PER_ROUND);
}
perCall.sort((a, b) => a - b);
const us = perCall[0]!;
const median = perCall[CALL_ROUNDS >> 1]!;
rows.push({
  name: "host overhead per batch call (identity component, empty batch)",
  runtime,
  events: CALL_ROUNDS * PER_ROUND,
  eddyEventsPerSecond: Math.round(1e6 / us),
  baselineEventsPerSecond: Math.round(1e6 / 2),
  ratio: +(2 / us).toFixed(2),
  note: `${us.toFixed(2)} µs per call, best of ${CALL_ROUNDS} rounds of ${PER_ROUND} (median ${median.toFixed(2)} µs); target <= 2 µs, baseline column = the target as calls/s`,
});

for (const r of rows) console.log(JSON.stringify(r));
