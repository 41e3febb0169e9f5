import { describe, expect, it } from "vitest";
import { EddyError, RestartStrategies, StreamExecutionEnvironment } from "../../core/index.ts";
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
