import { describe, expect, it } from "vitest";
import { EddyError, RestartStrategies, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../../core/index.ts";
import { compiledGuest, faultToleranceJob, packedHandOffJob, keySelectorJob, keyedProcessJob, numberEvents, sampleLines, statelessJobs, timestampJob, windowJobs } from "./engine-jobs.ts";
import { WasmOperatorError } from "./errors.ts";
import { guest, upperAscii, wasiImportingComponent } from "./test-support.ts";
import { wasm } from "./wasm.ts";

const lines = sampleLines(2500);

describe("components run as operators through the engine", () => {
  it("map, filter, flatMap and a chain of three (on strings and on bytes) give the TypeScript output", async () => {
    for (const [name, c] of Object.entries(await statelessJobs(lines))) expect(c.wasm, name).toEqual(c.typescript);
  });

  it("a component hands packed batches to the next component of its chain (OperatorContext.nextInChain)", async () => {
    const c = await packedHandOffJob(lines);
    expect(c.wasm).toEqual(c.typescript);
    // each component buffers what it receives until a batch is full or the input batch ends
    expect(c.map.plain).toBe(0);
    expect(c.map.packed).toBeGreaterThanOrEqual(2);
    expect(c.flatMap.plain).toBe(0);
    expect(c.flatMap.packed).toBeGreaterThanOrEqual(2);
    // Batch at a time: each packed batch comes in a call of its own, never record by record.
    expect(c.map.batchCalls).toBe(c.map.packed);
    expect(c.flatMap.batchCalls).toBe(c.flatMap.packed);
  });

  it("in parallel (2 subtasks, each with its own instance)", async () => {
    for (const [name, c] of Object.entries(await statelessJobs(lines, 2))) expect(c.wasm.sort(), name).toEqual(c.typescript.sort());
  });

  it("the C build of uppercase-map is an operator too", async () => {
    const upper = wasm((await guest("guests/uppercase-map/guest.c")).component, { name: "upper-c" });
    expect(await StreamExecutionEnvironment.create().fromCollection(lines).map(upper).executeAndCollect()).toEqual(lines.map(upperAscii));
  });

  it("keyBy(component) partitions like keyBy(function); the keyed stream sees plain values", async () => {
    const c = await keySelectorJob(lines);
    expect(c.wasm).toEqual(c.typescript);
  });

  it("withTimestampAssigner(component) stamps records like the TypeScript assigner", async () => {
    const c = await timestampJob(lines.map((l, i) => (i % 3 === 0 ? `${1_000 + i} ${l}` : l)));
    expect(c.wasm).toEqual(c.typescript);
  });

  it("KeyedStream.process(component): keyed state and event-time timers in Eddy's backend", async () => {
    const c = await keyedProcessJob(numberEvents(3000));
    expect(c.wasm.some((l) => l.startsWith("fired@"))).toBe(true);
    expect(c.wasm).toEqual(c.typescript);
  });

  it("WindowedStream.aggregate(component) in tumbling and (merging) session windows", async () => {
    for (const [name, c] of Object.entries(await windowJobs(numberEvents(3000)))) {
      expect(c.wasm.length, name).toBeGreaterThan(0);
      expect(c.wasm, name).toEqual(c.typescript);
    }
  });

  it("a stateful component fails and recovers from a checkpoint with exactly the failure-free output", { timeout: 90_000 }, async () => {
    const c = await faultToleranceJob();
    expect(c.failures).toBe(1);
    expect(c.restored).not.toBeNull();
    expect(c.wasm).toEqual(c.typescript);
  });
});

describe("bad components at the job level", () => {
  it("garbage bytes are refused when the job is built", () => {
    const err = (() => {
      try {
        wasm(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), { name: "junk" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WasmOperatorError);
    expect((err as WasmOperatorError).code).toBe("WASM_INVALID");
    expect((err as Error).message).toMatch(/\[eddy\] component "junk": not WebAssembly/);
  });

  it("a component of the wrong world is refused while the job is built, naming both worlds", async () => {
    const upper = wasm((await guest("guests/uppercase-map/guest.as.ts")).component, { name: "upper" });
    const s = StreamExecutionEnvironment.create().fromCollection(["a"]);
    expect(() => s.filter(upper)).toThrow(/component "upper" \(world map-operator\): cannot serve as filter: expected world filter-operator, got world map-operator/);
    expect(() => s.keyBy(upper)).toThrow(/expected world key-selector-operator, got world map-operator/);
    expect(() => s.keyBy((x) => x).process(upper)).toThrow(/expected world keyed-process-operator/);
    const sum = wasm(await compiledGuest("guests/window-sum/guest.as.ts"));
    expect(() => s.map(sum)).toThrow(WasmOperatorError);
    const bytes = (await guest("guests/uppercase-map/guest.as.ts")).component;
    expect(() => wasm(bytes, { world: "filter-operator" })).toThrow(/expected world filter-operator, got world map-operator/);
  });

  it("a trap fails the task with component, world and cause; the restart strategy applies", async () => {
    const trappy = wasm((await guest("host/fixtures/trap-map.as.ts")).component, { name: "trappy" });
    const env = StreamExecutionEnvironment.create();
    env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
    env.fromCollection(["a", "b", "boom", "c"]).map(trappy).print();
    const job = env.executeAsync("trap");
    const err = await job.getJobExecutionResult().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(EddyError);
    expect(String((err as Error).message)).toMatch(/component "trappy" \(world map-operator\): trapped in process-batch/);
    expect(job.getExceptionHistory().length).toBe(3);
  });

  it("unbounded memory growth fails the job at the limit; the runtime keeps working", async () => {
    const leaky = wasm((await guest("host/fixtures/leak-map.as.ts")).component, { name: "leaky", memoryLimitBytes: 8 << 20 });
    const err = await StreamExecutionEnvironment.create()
      .fromCollection(Array.from({ length: 50 }, (_, i) => String(i)))
      .map(leaky)
      .executeAndCollect()
      .then(() => undefined, (e: unknown) => e);
    expect(String((err as Error)?.message)).toMatch(/component "leaky" \(world map-operator\): linear memory reached the limit of 8388608 bytes/);
    const upper = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts"));
    expect(await StreamExecutionEnvironment.create().fromCollection(["ok"]).map(upper).executeAndCollect()).toEqual(["OK"]);
  });

  it("a component importing WASI fails the job before any record is processed", async () => {
    const sneaky = wasm(await wasiImportingComponent(), { name: "sneaky" });
    const err = await StreamExecutionEnvironment.create().fromCollection(["a"]).map(sneaky).executeAndCollect().then(() => undefined, (e: unknown) => e);
    expect(String((err as Error)?.message)).toMatch(/component "sneaky" \(world map-operator\): imports wasi:random/);
  });
});

/** The error a job fails with (the test fails if it does not). */
async function jobFailure(run: Promise<unknown>): Promise<EddyError> {
  const err = await run.then(() => undefined, (e: unknown) => e);
  expect(err, "the job should have failed").toBeInstanceOf(EddyError);
  return err as EddyError;
}

/** What the uppercase guest does to a value under `values: "json"`: its JSON text, uppercased (undefined when that is no longer JSON). */
function upperJson(v: unknown): unknown {
  try {
    return JSON.parse(upperAscii(JSON.stringify(v)));
  } catch {
    return undefined;
  }
}

describe("regression #13.7: a record the value encoding cannot carry fails the job, never coerced", () => {
  it("non-strings under the default encoding: WASM_BAD_INPUT naming component, operator and world, suggesting values: \"json\"", async () => {
    const compiled = await compiledGuest("guests/uppercase-map/guest.as.ts");
    const cases: [unknown, RegExp][] = [
      [{ a: "x" }, /an object \(\{"a":"x"\}\)/],
      [42, /a number \(42\)/],
      [true, /a boolean \(true\)/],
    ];
    for (const [value, shown] of cases) {
      const seen: unknown[] = [];
      const env = StreamExecutionEnvironment.create();
      env.fromCollection<unknown>(["fine", value]).map(wasm(compiled, { name: "upper" }), "Upper").sinkTo({ createWriter: () => ({ write: (v: unknown) => void seen.push(v), flush: () => {} }) });
      const err = await jobFailure(env.execute("bad input"));
      expect(err.code).toBe("WASM_BAD_INPUT");
      expect(err.message).toMatch(/^\[eddy\] component "upper" \(world map-operator\) in operator "Upper": a record value is /);
      expect(err.message).toMatch(shown);
      expect(err.message).toMatch(/values: "string" \(the default\) carries only strings and Uint8Arrays; pass \{ values: "json" \}/);
      expect(err.retryable).toBe(false);
      // What String(value) would have produced never reaches the output.
      expect(seen).not.toContain(upperAscii(String(value)));
    }
  });

  it("the same records go through with values: \"json\"; bytes and JSON refuse what they cannot carry", async () => {
    const compiled = await compiledGuest("guests/uppercase-map/guest.as.ts");
    const records: unknown[] = [{ a: "x" }, 42, "b", [1, "z"], { n: 1.5 }];
    const json = wasm(compiled, { name: "upper", values: "json" });
    expect(await StreamExecutionEnvironment.create().fromCollection(records).map(json).executeAndCollect()).toEqual(records.map(upperJson));

    const bytes = await jobFailure(StreamExecutionEnvironment.create().fromCollection<unknown>([7]).map(wasm(compiled, { name: "upper-bytes", values: "bytes" })).executeAndCollect());
    expect(bytes.message).toMatch(/component "upper-bytes" \(world map-operator\) in operator "Map": a record value is a number \(7\), but values: "bytes" carries only strings and Uint8Arrays/);
    const raw = await jobFailure(StreamExecutionEnvironment.create().fromCollection<unknown>([new Uint8Array([1])]).map(json).executeAndCollect());
    expect(raw.message).toMatch(/a record value is a Uint8Array, which values: "json" cannot carry; pass \{ values: "bytes" \}/);
    const big = await jobFailure(StreamExecutionEnvironment.create().fromCollection<unknown>([10n]).map(json).executeAndCollect());
    expect(big.message).toMatch(/a record value is a bigint \(10n\), which values: "json" cannot carry/);
    for (const e of [bytes, raw, big]) expect([e.code, e.retryable]).toEqual(["WASM_BAD_INPUT", false]);
  });

  it("a window aggregate component refuses numbers under the default encoding too", async () => {
    const sum = wasm(await compiledGuest("guests/window-sum/guest.as.ts"), { name: "window-sum" });
    const env = StreamExecutionEnvironment.create();
    const numbers = env.fromCollection([1, 2, 3], WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v));
    const err = await jobFailure(numbers.keyBy(() => "k").window(TumblingEventTimeWindows.of(10)).aggregate(sum).executeAndCollect());
    expect(err.message).toMatch(/component "window-sum" \(world window-aggregate-operator\) in operator "[^"]+": a record value is a number \(1\), but values: "string" \(the default\)/);
    expect([err.code, err.retryable]).toEqual(["WASM_BAD_INPUT", false]);
  });
});

describe("regression #13.8: malformed output names the component, world and record; guest addresses print unsigned", () => {
  it("a guest returning non-JSON under values: \"json\" fails with WASM_BAD_OUTPUT, not a bare parse error; nothing of the batch is emitted", async () => {
    const upper = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts"), { name: "upper", values: "json" });
    // The guest uppercases the JSON text: true becomes TRUE, which is not JSON.
    const records: unknown[] = ["a", { b: "c" }, true, 7];
    const bad = records.findIndex((v) => upperJson(v) === undefined);
    expect(bad).toBe(2);
    const seen: unknown[] = [];
    const env = StreamExecutionEnvironment.create();
    env.fromCollection(records).map(upper, "Upper").sinkTo({ createWriter: () => ({ write: (v: unknown) => void seen.push(v), flush: () => {} }) });
    const err = await jobFailure(env.execute("bad output"));
    expect(err.code).toBe("WASM_BAD_OUTPUT");
    expect(err.message).toMatch(new RegExp(`^\\[eddy\\] component "upper" \\(world map-operator\\) in operator "Upper": process-batch returned an invalid result: record ${bad + 1} of ${records.length} is not JSON \\(values: "json"\\): "TRUE": `));
    expect(err.retryable).toBe(false);
    expect(seen).toEqual([]);
  });

  it("regression #13.5: malformed output fails the job at once, though a restart strategy would retry", async () => {
    const upper = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts"), { name: "upper", values: "json" });
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelay(5, 0));
    env.fromCollection<unknown>(["a", true]).map(upper, "Upper").print();
    const job = env.executeAsync("not retried");
    await expect(job.getJobExecutionResult()).rejects.toThrow(/is not JSON/);
    expect(job.getJobStatus()).toBe("FAILED");
    expect(job.getExceptionHistory()).toHaveLength(1);
  });

  it("in a chain of components the one that wrote the bad JSON is named, not the next one", async () => {
    const compiled = await compiledGuest("guests/uppercase-map/guest.as.ts");
    const first = wasm(compiled, { name: "first", values: "json" });
    const second = wasm(compiled, { name: "second", values: "json" });
    const err = await jobFailure(StreamExecutionEnvironment.create().fromCollection<unknown>(["x", false]).map(first, "First").map(second, "Second").executeAndCollect());
    expect(err.message).toMatch(/component "first" \(world map-operator\) in operator "First": process-batch returned an invalid result: record 2 of 2 is not JSON \(values: "json"\): "FALSE"/);
  });

  it("a return area or result list at 0xfffffff0 (C guest) is reported as that address, not -16", async () => {
    const bad = wasm((await guest("host/fixtures/bad-pointer-map.c")).component, { name: "bad-pointer" });
    expect(await StreamExecutionEnvironment.create().fromCollection(["ok", "fine"]).map(bad).executeAndCollect()).toEqual(["ok", "fine"]);
    const area = await jobFailure(StreamExecutionEnvironment.create().fromCollection(["area"]).map(bad).executeAndCollect());
    expect(area.message).toMatch(/component "bad-pointer" \(world map-operator\): process-batch returned an invalid result: return area at 0xfffffff0 is outside linear memory \(\d+ bytes\)/);
    const list = await jobFailure(StreamExecutionEnvironment.create().fromCollection(["list"]).map(bad).executeAndCollect());
    expect(list.message).toMatch(/result list at 0xfffffff0 of \d+ bytes is outside linear memory/);
    for (const e of [area, list]) {
      expect(e.message).not.toMatch(/-16\b/);
      expect([e.code, e.retryable]).toEqual(["WASM_BAD_OUTPUT", false]);
    }
  });
});

describe("a guest written from the documented ABI alone (guests/minimal-c, no SDK)", () => {
  it("reverses each value, keeps each timestamp, like the same map in TypeScript", async () => {
    const reverse = wasm((await guest("guests/minimal-c/guest.c")).component, { name: "reverse" });
    const lines = sampleLines(3_000, 7).map((l, i) => (i % 5 === 0 ? `${l} ünï ${i}` : l));
    const run = async (fn: (s: string) => string) => {
      const env = StreamExecutionEnvironment.create();
      return env
        .fromCollection(lines.map((l, i) => ({ l, ts: i * 3 })))
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<{ l: string; ts: number }>().withTimestampAssigner((r) => r.ts))
        .map((r) => r.l)
        .map(fn as never, "Reverse")
        .process<string>((v, ctx, out) => out.collect(`${ctx.timestamp()}:${v as string}`))
        .executeAndCollect();
    };
    // The guest reverses bytes: the TypeScript twin reverses the UTF-8 bytes too.
    const reverseUtf8 = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s).reverse());
    expect(await run(reverse as never)).toEqual(await run(reverseUtf8));
  });
});
