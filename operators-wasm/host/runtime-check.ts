/**
 * The WASM host's checks outside vitest, for Deno and Bun (and Node):
 *   node_modules/.bin/deno run -A operators-wasm/host/runtime-check.ts
 *   node_modules/.bin/bun run operators-wasm/host/runtime-check.ts
 *   npx tsx operators-wasm/host/runtime-check.ts
 * Builds the example guests from source, runs them, compares with TypeScript, and checks
 * that bad components fail with clear errors. Exits 1 on any failure.
 */
import { decodeBatchStrings, decodeBlobs, decodeFlags, encodeBatch, textOf, type BatchRecord } from "./batch-codec.ts";
import { EVENT_TIME, encodeAddInput, encodeKeyedInput, encodeTimersInput } from "./keyed-codec.ts";
import { compileComponent, instantiateComponent, loadComponent, WasmOperatorError } from "./index.ts";
import { MemoryKeyedHost } from "./memory-keyed-host.ts";
import { compiledGuest, faultToleranceJob, packedHandOffJob, keySelectorJob, keyedProcessJob, numberEvents, sampleLines, statelessJobs, timestampJob, windowJobs } from "./engine-jobs.ts";
import { wasm } from "./wasm.ts";
import { EddyError, StreamExecutionEnvironment } from "../../core/index.ts";
import { RunningSumReference, guest, keepNonComment, sampleRecords, splitWords, upperAscii, wasiImportingComponent } from "./test-support.ts";

declare const Deno: { version: { deno: string } } | undefined;
declare const Bun: { version: string } | undefined;

const runtime = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.version}`;
let failed = 0;
// QuickJS guests use extended constant expressions, behind a flag in Node 20's V8
if (runtime.startsWith("node")) (await import("node:v8")).setFlagsFromString("--experimental-wasm-extended-const");

/** JSON with sorted object keys, so field order does not matter. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

function same(a: unknown, b: unknown): void {
  const x = canonical(a);
  const y = canonical(b);
  if (x !== y) throw new Error(`mismatch:\n  got      ${x.slice(0, 300)}\n  expected ${y.slice(0, 300)}`);
}

async function throwsWasm(fn: () => unknown, code: string, re: RegExp): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof WasmOperatorError)) throw new Error(`expected WasmOperatorError, got ${e}`);
    if (e.code !== code || !re.test(e.message)) throw new Error(`expected ${code} ${re}, got ${e.code}: ${e.message}`);
    return e.message;
  }
  throw new Error(`expected ${code}, nothing thrown`);
}

async function check(name: string, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  try {
    const note = await fn();
    console.log(`PASS ${name} (${Math.round(performance.now() - t0)} ms)${typeof note === "string" ? ` — ${note}` : ""}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : e}`);
  }
}

const records = sampleRecords(300);

await check("uppercase map, AssemblyScript", async () => {
  const op = await loadComponent((await guest("guests/uppercase-map/guest.as.ts")).component, { name: "upper", expectWorld: "map-operator" });
  same(decodeBatchStrings(op.processBatch(encodeBatch(records))), records.map((r) => ({ ...r, value: upperAscii(r.value) })));
});

await check("uppercase map, C", async () => {
  const op = await loadComponent((await guest("guests/uppercase-map/guest.c")).component, { name: "upper-c" });
  same(decodeBatchStrings(op.processBatch(encodeBatch(records))), records.map((r) => ({ ...r, value: upperAscii(r.value) })));
});

await check("uppercase map, JavaScript (componentize-qjs)", async () => {
  const op = await loadComponent((await guest("guests/uppercase-map/guest.js")).component, { name: "upper-js" });
  const few = records.slice(0, 20);
  same(decodeBatchStrings(op.processBatch(encodeBatch(few))), few.map((r) => ({ ...r, value: upperAscii(r.value) })));
});

await check("filter and flatMap", async () => {
  const f = await loadComponent((await guest("guests/filter-comments/guest.as.ts")).component, { expectWorld: "filter-operator" });
  same(decodeFlags(f.processBatch(encodeBatch(records))), records.map((r) => keepNonComment(r.value)));
  const s = await loadComponent((await guest("guests/split-words/guest.as.ts")).component, { expectWorld: "flat-map-operator" });
  same(decodeBatchStrings(s.processBatch(encodeBatch(records))), records.flatMap((r) => splitWords(r.value).map((w) => ({ ...r, value: w }))));
});

await check("keyed running sum with state and timers", async () => {
  const host = new MemoryKeyedHost();
  const op = await loadComponent((await guest("guests/keyed-running-sum/guest.as.ts")).component, { host, expectWorld: "keyed-process-operator" });
  const ref = new RunningSumReference();
  let t = 1_000_000;
  for (let b = 0; b < 3; b++) {
    const input: BatchRecord<string>[] = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 4}`, timestamp: (t += 211), value: String(i - b) }));
    const ctx = { watermark: t - 1500, processingTime: 0 };
    same(decodeBatchStrings(op.processBatch(encodeKeyedInput(ctx, input))), ref.process(input));
    same(decodeBatchStrings(op.onTimers(encodeTimersInput(ctx, host.due(EVENT_TIME, ctx.watermark)))), ref.fire(ctx.watermark));
  }
});

await check("window sum aggregate", async () => {
  const op = await loadComponent((await guest("guests/window-sum/guest.as.ts")).component, { expectWorld: "window-aggregate-operator" });
  const [acc] = decodeBlobs(op.createAccumulators(1));
  const added = decodeBlobs(op.add(encodeAddInput([{ accumulator: acc!, records: [{ value: "40" }, { value: "2" }] }])));
  same(decodeBlobs(op.getResults(encodeBatchBlobs(added))).map(textOf), ["42"]);
});

function encodeBatchBlobs(items: Uint8Array[]): Uint8Array {
  const out: number[] = [items.length, 0, 0, 0];
  for (const b of items) out.push(b.length & 255, (b.length >> 8) & 255, 0, 0, ...b);
  return Uint8Array.from(out);
}

await check("garbage bytes, wrong world, WASI import are refused", async () => {
  await throwsWasm(() => loadComponent(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), { name: "junk" }), "WASM_INVALID", /not WebAssembly/);
  const upper = (await guest("guests/uppercase-map/guest.as.ts")).component;
  await throwsWasm(() => loadComponent(upper.slice(0, 500), { name: "half" }), "WASM_INVALID", /malformed/);
  await throwsWasm(() => loadComponent(upper, { name: "upper", expectWorld: "keyed-process-operator" }), "WASM_WRONG_WORLD",
    /expected world keyed-process-operator, got world map-operator/);
  return await throwsWasm(async () => loadComponent(await wasiImportingComponent(), { name: "sneaky" }), "WASM_FORBIDDEN_IMPORT", /wasi:random/);
});

await check("trap and memory limit fail cleanly; the host keeps working", async () => {
  const compiled = await compileComponent((await guest("host/fixtures/trap-map.as.ts")).component, { name: "trappy" });
  const op = await instantiateComponent(compiled);
  const msg = await throwsWasm(() => op.processBatch(encodeBatch([{ value: "boom" }])), "WASM_TRAP", /trapped in process-batch/);
  await throwsWasm(() => op.processBatch(encodeBatch([{ value: "ok" }])), "WASM_POISONED", /earlier failure/);
  same(decodeBatchStrings((await instantiateComponent(compiled)).processBatch(encodeBatch([{ value: "ok" }]))), [{ value: "ok" }]);
  const leaky = await loadComponent((await guest("host/fixtures/leak-map.as.ts")).component, { name: "leaky", memoryLimitBytes: 8 << 20 });
  await throwsWasm(() => {
    for (let i = 0; i < 100; i++) leaky.processBatch(encodeBatch([{ value: "v" }]));
  }, "WASM_MEMORY_LIMIT", /limit of 8388608 bytes/);
  return msg;
});

// ---- through the engine: jobs with component operators vs the same jobs in TypeScript ----

const lines = sampleLines(1500);

await check("engine: map, filter, flatMap, chain of three (on strings and on bytes)", async () => {
  for (const c of Object.values(await statelessJobs(lines))) same(c.wasm, c.typescript);
});

await check("engine: packed batches between chained components", async () => {
  const c = await packedHandOffJob(lines);
  same(c.wasm, c.typescript);
  if (c.map.plain + c.flatMap.plain > 0 || c.map.packed < 2 || c.flatMap.packed < 2) throw new Error(`expected only packed batches, got map ${JSON.stringify(c.map)}, flatMap ${JSON.stringify(c.flatMap)}`);
  return `${c.map.packed} packed batches into the map, ${c.flatMap.packed} into the flatMap`;
});

await check("engine: keyBy(component)", async () => {
  const c = await keySelectorJob(lines);
  same(c.wasm, c.typescript);
});

await check("engine: withTimestampAssigner(component)", async () => {
  const c = await timestampJob(lines.map((l, i) => (i % 3 === 0 ? `${1_000 + i} ${l}` : l)));
  same(c.wasm, c.typescript);
});

await check("engine: KeyedStream.process(component) with state and timers", async () => {
  const c = await keyedProcessJob(numberEvents(2000));
  same(c.wasm, c.typescript);
});

await check("engine: WindowedStream.aggregate(component), tumbling and session", async () => {
  for (const c of Object.values(await windowJobs(numberEvents(2000)))) same(c.wasm, c.typescript);
});

await check("engine: stateful component recovers from a checkpoint exactly", async () => {
  const c = await faultToleranceJob();
  if (c.failures !== 1 || c.restored === null) throw new Error(`expected one failure and a restore, got ${c.failures} and ${String(c.restored)}`);
  same(c.wasm, c.typescript);
});

await check("engine: a trap fails the job naming component and world; wrong world refused at build", async () => {
  const trappy = wasm((await guest("host/fixtures/trap-map.as.ts")).component, { name: "trappy" });
  const err = await StreamExecutionEnvironment.create().fromCollection(["a", "boom"]).map(trappy).executeAndCollect().then(() => undefined, (e: unknown) => e);
  if (!/component "trappy" \(world map-operator\): trapped in process-batch/.test(String((err as Error)?.message))) throw new Error(`unexpected: ${String(err)}`);
  await throwsWasm(() => StreamExecutionEnvironment.create().fromCollection(["a"]).filter(trappy), "WASM_WRONG_WORLD", /expected world filter-operator, got world map-operator/);
});

/** The error a job fails with, checked for its code, message and retry hint. */
async function jobFails(run: Promise<unknown>, code: string, re: RegExp, retryable: boolean): Promise<string> {
  const e = await run.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof EddyError)) throw new Error(`expected the job to fail with ${code}, got ${String(e)}`);
  if (e.code !== code || !re.test(e.message) || e.retryable !== retryable) throw new Error(`expected ${code} ${re} (retryable: ${retryable}), got ${e.code} (retryable: ${e.retryable}): ${e.message}`);
  return e.message;
}

await check("regression #13.7: non-string records under the default encoding fail, never coerced", async () => {
  const compiled = await compiledGuest("guests/uppercase-map/guest.as.ts");
  const seen: unknown[] = [];
  const env = StreamExecutionEnvironment.create();
  env.fromCollection<unknown>([{ a: "x" }, 42, true]).map(wasm(compiled, { name: "upper" }), "Upper").sinkTo({ createWriter: () => ({ write: (v: unknown) => void seen.push(v), flush: () => {} }) });
  const msg = await jobFails(env.execute("bad input"), "WASM_BAD_INPUT",
    /^\[eddy\] component "upper" \(world map-operator\) in operator "Upper": a record value is an object \(\{"a":"x"\}\), but values: "string" \(the default\) carries only strings and Uint8Arrays; pass \{ values: "json" \}/, false);
  if (seen.length > 0) throw new Error(`records were emitted: ${JSON.stringify(seen)}`);
  const records = [{ a: "x" }, 42, "b"];
  same(await StreamExecutionEnvironment.create().fromCollection<unknown>(records).map(wasm(compiled, { values: "json" })).executeAndCollect(), records.map((v) => JSON.parse(upperAscii(JSON.stringify(v)))));
  return msg;
});

await check("regression #13.8: malformed output names component, world and record; addresses print unsigned", async () => {
  const upper = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts"), { name: "upper", values: "json" });
  // the guest uppercases JSON text: true becomes TRUE, which is not JSON
  const msg = await jobFails(StreamExecutionEnvironment.create().fromCollection<unknown>(["a", true]).map(upper, "Upper").executeAndCollect(), "WASM_BAD_OUTPUT",
    /component "upper" \(world map-operator\) in operator "Upper": process-batch returned an invalid result: record 2 of 2 is not JSON \(values: "json"\): "TRUE"/, false);
  const bad = wasm((await guest("host/fixtures/bad-pointer-map.c")).component, { name: "bad-pointer" });
  await jobFails(StreamExecutionEnvironment.create().fromCollection(["area"]).map(bad).executeAndCollect(), "WASM_BAD_OUTPUT", /return area at 0xfffffff0 is outside linear memory/, false);
  await jobFails(StreamExecutionEnvironment.create().fromCollection(["list"]).map(bad).executeAndCollect(), "WASM_BAD_OUTPUT", /result list at 0xfffffff0 of \d+ bytes is outside linear memory/, false);
  return msg;
});

console.log(`${failed === 0 ? "OK" : `${failed} FAILED`} on ${runtime}`);
if (failed > 0) process.exit(1);
