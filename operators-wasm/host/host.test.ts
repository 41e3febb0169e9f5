import v8 from "node:v8";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeBatchStrings, decodeBlobs, decodeFlags, decodeTimestamps, encodeBatch, encodeBlobs, textOf, type BatchRecord,
} from "./batch-codec.ts";
import { EVENT_TIME, encodeAddInput, encodeKeyedInput, encodeMergeInput, encodeTimersInput } from "./keyed-codec.ts";
import { compileComponent, instantiateComponent, loadComponent, readComponentWorld, WasmOperatorError } from "./index.ts";
import { MemoryKeyedHost } from "./memory-keyed-host.ts";
import {
  RunningSumReference, firstWord, guest, keepNonComment, leadingTimestamp, sampleRecords, splitWords, upperAscii, wasiImportingComponent,
} from "./test-support.ts";

const T = 120_000;
const records = sampleRecords(500);

async function expectWasmError(p: Promise<unknown> | (() => unknown), code: string, message: RegExp): Promise<WasmOperatorError> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(WasmOperatorError);
  const w = err as WasmOperatorError;
  expect(w.code).toBe(code);
  expect(w.message).toMatch(/^\[eddy\] component "/);
  expect(w.message).toMatch(message);
  return w;
}

describe("map / filter / flat-map guests match their TypeScript twins", () => {
  it("uppercase map (AssemblyScript), batches of 500, 1 and 0", { timeout: T }, async () => {
    const op = await loadComponent((await guest("guests/uppercase-map/guest.as.ts")).component, { name: "upper", expectWorld: "map-operator" });
    const expected = records.map((r) => ({ ...r, value: upperAscii(r.value) }));
    expect(decodeBatchStrings(op.processBatch(encodeBatch(records)))).toEqual(expected);
    expect(decodeBatchStrings(op.processBatch(encodeBatch(records.slice(3, 4))))).toEqual(expected.slice(3, 4));
    expect(decodeBatchStrings(op.processBatch(encodeBatch([])))).toEqual([]);
  });

  it("uppercase map (C, clang wasm32-unknown-unknown)", { timeout: T }, async () => {
    const built = await guest("guests/uppercase-map/guest.c");
    expect(built.language).toBe("c");
    const op = await loadComponent(built.component, { name: "upper-c", expectWorld: "map-operator" });
    expect(decodeBatchStrings(op.processBatch(encodeBatch(records)))).toEqual(records.map((r) => ({ ...r, value: upperAscii(r.value) })));
  });

  it("uppercase map (JavaScript through componentize-qjs)", { timeout: T }, async () => {
    // QuickJS's core module uses extended constant expressions, behind a flag in Node 20's V8
    v8.setFlagsFromString("--experimental-wasm-extended-const");
    const op = await loadComponent((await guest("guests/uppercase-map/guest.js")).component, { name: "upper-js", expectWorld: "map-operator" });
    const few = records.slice(0, 50);
    expect(decodeBatchStrings(op.processBatch(encodeBatch(few)))).toEqual(few.map((r) => ({ ...r, value: upperAscii(r.value) })));
  });

  it("filter drops empty values and #comments", { timeout: T }, async () => {
    const op = await loadComponent((await guest("guests/filter-comments/guest.as.ts")).component, { name: "filter" });
    expect(op.world).toBe("filter-operator");
    expect(decodeFlags(op.processBatch(encodeBatch(records)))).toEqual(records.map((r) => keepNonComment(r.value)));
  });

  it("flatMap splits values into words, keeping key and timestamp", { timeout: T }, async () => {
    const op = await loadComponent((await guest("guests/split-words/guest.as.ts")).component, { name: "split", expectWorld: "flat-map-operator" });
    const expected = records.flatMap((r) => splitWords(r.value).map((w) => ({ ...r, value: w })));
    expect(decodeBatchStrings(op.processBatch(encodeBatch(records)))).toEqual(expected);
  });

  it("key selector and timestamp extractor", { timeout: T }, async () => {
    const keys = await loadComponent((await guest("guests/first-word-key/guest.as.ts")).component, { expectWorld: "key-selector-operator" });
    expect(decodeBlobs(keys.selectKeys(encodeBatch(records))).map(textOf)).toEqual(records.map((r) => firstWord(r.value)));
    const ts = await loadComponent((await guest("guests/leading-timestamp/guest.as.ts")).component, { expectWorld: "timestamp-extractor-operator" });
    const input: BatchRecord<string>[] = [{ value: "1700000000123 hello" }, { value: "nope" }, { value: "42" }, { value: "" }];
    expect(decodeTimestamps(ts.extractTimestamps(encodeBatch(input)))).toEqual(input.map((r) => leadingTimestamp(r.value)));
  });

  it("jco's generated glue and the direct canonical-ABI path agree", { timeout: T }, async () => {
    const compiled = await compileComponent((await guest("guests/split-words/guest.as.ts")).component, { name: "split" });
    const direct = await instantiateComponent(compiled);
    const glue = await instantiateComponent(compiled, { useGlue: true });
    const input = encodeBatch(records);
    expect(glue.processBatch(input)).toEqual(direct.processBatch(input));
  });
});

describe("keyed process with batched state and timers", () => {
  it("running sum per key with event-time timers matches TypeScript", { timeout: T }, async () => {
    const host = new MemoryKeyedHost();
    const op = await loadComponent((await guest("guests/keyed-running-sum/guest.as.ts")).component, {
      name: "running-sum", expectWorld: "keyed-process-operator", host,
    });
    const ref = new RunningSumReference();
    const keys = ["a", "b", "ünï", "c"];
    let t = 1_700_000_000_000;
    for (let batch = 0; batch < 5; batch++) {
      const input: BatchRecord<string>[] = Array.from({ length: 40 }, (_, i) => ({
        key: keys[(i * 7 + batch) % keys.length]!, timestamp: (t += 97), value: String((i * 13 + batch) % 50 - 10),
      }));
      const ctx = { watermark: t - 2000, processingTime: 0 };
      expect(decodeBatchStrings(op.processBatch(encodeKeyedInput(ctx, input)))).toEqual(ref.process(input));
      const fired = host.due(EVENT_TIME, ctx.watermark);
      expect(decodeBatchStrings(op.onTimers(encodeTimersInput(ctx, fired)))).toEqual(ref.fire(ctx.watermark));
    }
    const last = host.due(EVENT_TIME, Infinity);
    expect(decodeBatchStrings(op.onTimers(encodeTimersInput({ watermark: Infinity, processingTime: 0 }, last)))).toEqual(ref.fire(Infinity));
    // state lives in the host, one read and one write per batch (not per record)
    const sums = new Map([...host.state.get("sum")!].map(([k, v]) => [k, Number(new DataView(v.buffer, v.byteOffset).getBigInt64(0, true))]));
    expect(sums.size).toBe(keys.length);
    expect(host.calls.write).toBe(5);
    expect(host.calls.read).toBe(5 + 6);
    expect(host.calls.updateTimers).toBe(5);
    expect(host.pendingTimers()).toBe(0);
  });

  it("refuses to load without a host for its imports", { timeout: T }, async () => {
    await expectWasmError(loadComponent((await guest("guests/keyed-running-sum/guest.as.ts")).component, { name: "no-host" }),
      "WASM_FORBIDDEN_IMPORT", /no host was given/);
  });
});

describe("window aggregate", () => {
  it("create, add, merge and get-results sum like TypeScript", { timeout: T }, async () => {
    const op = await loadComponent((await guest("guests/window-sum/guest.as.ts")).component, { name: "window-sum", expectWorld: "window-aggregate-operator" });
    const fresh = decodeBlobs(op.createAccumulators(3));
    expect(fresh).toHaveLength(3);
    const groups = [[1, 2, 3], [], [-5, 100]].map((vals, g) => ({
      accumulator: fresh[g]!,
      records: vals.map((v) => ({ key: `w${g}`, timestamp: 0, value: String(v) })),
    }));
    const added = decodeBlobs(op.add(encodeAddInput(groups))).map((b) => b.slice());
    const again = decodeBlobs(op.add(encodeAddInput([{ accumulator: added[0]!, records: [{ value: "10" }] }]))).map((b) => b.slice());
    const merged = decodeBlobs(op.merge(encodeMergeInput([[again[0]!, added[1]!, added[2]!], [added[1]!]]))).map((b) => b.slice());
    expect(decodeBlobs(op.getResults(encodeBlobs([...added, ...merged]))).map(textOf)).toEqual(["6", "0", "95", "111", "0"]);
  });
});

describe("bad components fail clearly and the host keeps working", () => {
  let upper: Uint8Array;
  beforeAll(async () => {
    upper = (await guest("guests/uppercase-map/guest.as.ts")).component;
  }, T);

  it("garbage bytes", { timeout: T }, async () => {
    await expectWasmError(loadComponent(new TextEncoder().encode("definitely not wasm"), { name: "junk" }), "WASM_INVALID", /not WebAssembly/);
    const truncated = upper.slice(0, upper.length >> 1);
    await expectWasmError(loadComponent(truncated, { name: "half" }), "WASM_INVALID", /malformed component/);
  });

  it("a core module instead of a component", { timeout: T }, async () => {
    const core = (await guest("guests/uppercase-map/guest.as.ts")).core;
    await expectWasmError(loadComponent(core, { name: "core" }), "WASM_INVALID", /core WebAssembly module, not a component/);
  });

  it("wrong world", { timeout: T }, async () => {
    await expectWasmError(loadComponent(upper, { name: "upper", expectWorld: "filter-operator" }), "WASM_WRONG_WORLD",
      /world map-operator\): expected world filter-operator, got world map-operator/);
    expect((await readComponentWorld(upper)).world).toBe("map-operator");
  });

  it("a component importing WASI is refused at load", { timeout: T }, async () => {
    await expectWasmError(loadComponent(await wasiImportingComponent(), { name: "sneaky" }), "WASM_FORBIDDEN_IMPORT",
      /imports wasi:random\/random@0\.2\.0; world map-operator provides no imports/);
  });

  it("a trapping guest fails the call, stays failed, and a new instance works", { timeout: T }, async () => {
    const compiled = await compileComponent((await guest("host/fixtures/trap-map.as.ts")).component, { name: "trappy" });
    const op = await instantiateComponent(compiled);
    const ok = encodeBatch([{ value: "fine" }]);
    expect(decodeBatchStrings(op.processBatch(ok))).toEqual([{ value: "fine" }]);
    const err = await expectWasmError(() => op.processBatch(encodeBatch([{ value: "x" }, { value: "boom" }])), "WASM_TRAP",
      /component "trappy" \(world map-operator\): trapped in process-batch: unreachable/);
    expect(err.retryable).toBe(true);
    await expectWasmError(() => op.processBatch(ok), "WASM_POISONED", /after an earlier failure/);
    const fresh = await instantiateComponent(compiled);
    expect(decodeBatchStrings(fresh.processBatch(ok))).toEqual([{ value: "fine" }]);
  });

  it("unbounded memory growth hits the limit", { timeout: T }, async () => {
    const limit = 8 * 1024 * 1024;
    const op = await loadComponent((await guest("host/fixtures/leak-map.as.ts")).component, { name: "leaky", memoryLimitBytes: limit });
    const one = encodeBatch([{ value: "v" }]);
    let calls = 0;
    const err = await expectWasmError(() => {
      for (; calls < 100; calls++) op.processBatch(one);
    }, "WASM_MEMORY_LIMIT", /linear memory reached the limit of 8388608 bytes during process-batch/);
    expect(calls).toBeGreaterThan(2);
    expect(calls).toBeLessThan(9);
    expect(op.memoryBytes()).toBeLessThanOrEqual(limit);
    expect(err.retryable).toBe(true);
    // the host is fine: other components still load and run
    const upperOp = await loadComponent(upper, { name: "upper" });
    expect(decodeBatchStrings(upperOp.processBatch(one))).toEqual([{ value: "V" }]);
  });

  it("a well-behaved guest's memory stays bounded over many batches", { timeout: T }, async () => {
    const op = await loadComponent((await guest("guests/split-words/guest.as.ts")).component, { name: "split", memoryLimitBytes: 4 * 1024 * 1024 });
    const input = encodeBatch(records);
    op.processBatch(input);
    const after1 = op.memoryBytes();
    for (let i = 0; i < 300; i++) op.processBatch(input);
    expect(op.memoryBytes()).toBeLessThanOrEqual(after1 + 2 * 65536);
  });
});
