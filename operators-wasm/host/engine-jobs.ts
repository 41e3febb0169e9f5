/**
 * Jobs that run the example guests through Eddy's engine next to the same logic in
 * TypeScript. Shared by the vitest suite (engine.test.ts) and the Deno/Bun check
 * (runtime-check.ts); each returns what the WASM job produced and what TypeScript produced.
 */
import {
  EventTimeSessionWindows,
  FileSink,
  MemoryCheckpointStorage,
  MemoryFileSystem,
  RestartStrategies,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
  readCommittedLines,
  type AggregateFunction,
  type JobClient,
  type DataStream,
  type KeyedProcessFunction,
  type ValueState,
} from "../../core/index.ts";
import type { OperatorKind, OperatorProvider } from "../../core/api/functions.ts";
import type { CompiledComponent } from "./instance.ts";
import { compileComponent } from "./load.ts";
import { PackedRecords } from "./operators.ts";
import { firstWord, guest, keepNonComment, leadingTimestamp, sampleRecords, splitWords, upperAscii } from "./test-support.ts";
import { WasmFunction } from "./wasm-function.ts";
import { wasm } from "./wasm.ts";

export interface Comparison<T = unknown> {
  wasm: T;
  typescript: T;
}

const compiledCache = new Map<string, Promise<CompiledComponent>>();

/** Builds and compiles `operators-wasm/<path>` once per process. */
export function compiledGuest(path: string, name = path.split("/").at(-2)!): Promise<CompiledComponent> {
  let p = compiledCache.get(path);
  if (!p) compiledCache.set(path, (p = guest(path).then((g) => compileComponent(g.component, { name }))));
  return p;
}

/** A WasmFunction over a guest built (and compiled) once per process. */
export async function guestFunction(path: string, name?: string): Promise<WasmFunction> {
  return wasm(await compiledGuest(path, name));
}

/** Sample lines (the values of sampleRecords). */
export function sampleLines(n: number, seed = 1): string[] {
  return sampleRecords(n, seed).map((r) => r.value);
}

/** map, filter, flatMap: each guest alone, then all three chained (records stay packed between them), on strings and on bytes. */
export async function statelessJobs(lines: readonly string[], parallelism = 1): Promise<Record<string, Comparison<string[]>>> {
  const upper = await guestFunction("guests/uppercase-map/guest.as.ts", "upper");
  const filter = await guestFunction("guests/filter-comments/guest.as.ts", "no-comments");
  const split = await guestFunction("guests/split-words/guest.as.ts", "split");
  const env = () => StreamExecutionEnvironment.create({ parallelism });
  const src = () => env().fromCollection([...lines]);
  // the same components on Uint8Array values (records stay bytes from source to sink)
  const bytes = { values: "bytes" } as const;
  const filterB = wasm(await compiledGuest("guests/filter-comments/guest.as.ts"), bytes);
  const upperB = wasm(await compiledGuest("guests/uppercase-map/guest.as.ts"), bytes);
  const splitB = wasm(await compiledGuest("guests/split-words/guest.as.ts"), bytes);
  const utf8 = new TextEncoder();
  const utf8d = new TextDecoder();
  const bytesChain = await env().fromCollection(lines.map((l) => utf8.encode(l)))
    .filter(filterB).map<Uint8Array>(upperB).flatMap<Uint8Array>(splitB).map<Uint8Array>(upperB).executeAndCollect();
  return {
    map: { wasm: await src().map<string>(upper).executeAndCollect(), typescript: await src().map(upperAscii).executeAndCollect() },
    filter: { wasm: await src().filter(filter).executeAndCollect(), typescript: await src().filter(keepNonComment).executeAndCollect() },
    flatMap: {
      wasm: await src().flatMap<string>(split).executeAndCollect(),
      typescript: await src().flatMap((s: string) => splitWords(s)).executeAndCollect(),
    },
    chain: {
      wasm: await src().filter(filter).map<string>(upper).flatMap<string>(split).map<string>(upper).executeAndCollect(),
      typescript: await src().filter(keepNonComment).map(upperAscii).flatMap((s: string) => splitWords(s)).map(upperAscii).executeAndCollect(),
    },
    "chain on bytes": {
      wasm: bytesChain.map((b) => utf8d.decode(b)),
      typescript: await src().filter(keepNonComment).map(upperAscii).flatMap((s: string) => splitWords(s)).map(upperAscii).executeAndCollect(),
    },
  };
}

/** What the operators of one component received: packed batches, plain records, and the calls that brought them. */
export interface Arrivals {
  packed: number;
  plain: number;
  /** processBatch calls (one per input batch, core's batch-at-a-time contract). */
  batchCalls: number;
}

/** `fn` as a provider whose operators count what reaches them (the operator itself is unchanged, so chaining sees a component). */
function counting(fn: WasmFunction, arrivals: Arrivals): OperatorProvider {
  return {
    name: fn.name,
    createOperator(kind: OperatorKind) {
      const op = fn.createOperator(kind);
      const processElement = op.processElement.bind(op);
      op.processElement = (value: unknown, ts: number, input: number) => {
        if (value instanceof PackedRecords) arrivals.packed++;
        else arrivals.plain++;
        processElement(value, ts, input);
      };
      const processBatch = op.processBatch?.bind(op);
      if (processBatch !== undefined) {
        op.processBatch = (batch, input) => {
          arrivals.batchCalls++;
          processBatch(batch, input);
        };
      }
      return op;
    },
  };
}

/**
 * filter -> map -> flatMap components, then a TypeScript map, in one chain. Counts what the map
 * and the flatMap components received: packed batches from the component before them (through
 * OperatorContext.nextInChain), while the TypeScript map after the flatMap gets plain strings.
 */
export async function packedHandOffJob(lines: readonly string[]): Promise<Comparison<string[]> & { map: Arrivals; flatMap: Arrivals }> {
  const filter = await guestFunction("guests/filter-comments/guest.as.ts", "no-comments");
  const upper = await guestFunction("guests/uppercase-map/guest.as.ts", "upper");
  const split = await guestFunction("guests/split-words/guest.as.ts", "split");
  const map: Arrivals = { packed: 0, plain: 0, batchCalls: 0 };
  const flatMap: Arrivals = { packed: 0, plain: 0, batchCalls: 0 };
  const src = () => StreamExecutionEnvironment.create({ parallelism: 1 }).fromCollection([...lines]);
  return {
    wasm: await src().filter(filter).map<string>(counting(upper, map)).flatMap<string>(counting(split, flatMap)).map((w: string) => `${w}!`).executeAndCollect(),
    typescript: await src().filter(keepNonComment).map(upperAscii).flatMap((s: string) => splitWords(s)).map((w: string) => `${w}!`).executeAndCollect(),
    map,
    flatMap,
  };
}

/** Counts records per key: keyBy with the first-word key selector (component vs TypeScript), then a TypeScript KeyedProcessFunction. */
export async function keySelectorJob(lines: readonly string[], parallelism = 2): Promise<Comparison<string[]>> {
  const key = await guestFunction("guests/first-word-key/guest.as.ts", "first-word");
  // state handles are fields: each subtask gets its own copy of the function object
  const counter = (): KeyedProcessFunction<string, string, string> & { count?: ValueState<number> } => ({
    open(ctx) {
      this.count = ctx.getState(new ValueStateDescriptor<number>("count", 0));
    },
    processElement(value, ctx, out) {
      this.count!.update(this.count!.value()! + 1);
      out.collect(`${ctx.getCurrentKey()}|${this.count!.value()}|${value}`);
    },
  });
  const run = async (k: WasmFunction | ((s: string) => string)) =>
    (await StreamExecutionEnvironment.create({ parallelism }).fromCollection([...lines]).keyBy<string>(k).process(counter()).executeAndCollect()).sort();
  return { wasm: await run(key), typescript: await run(firstWord) };
}

/** Event time from the component (leading-timestamp) or TypeScript, seen by a downstream process function. */
export async function timestampJob(lines: readonly string[]): Promise<Comparison<string[]>> {
  const ts = await guestFunction("guests/leading-timestamp/guest.as.ts", "leading-ts");
  const run = async (strategy: WatermarkStrategy<string>) =>
    StreamExecutionEnvironment.create({ parallelism: 1 })
      .fromCollection([...lines])
      .assignTimestampsAndWatermarks(strategy)
      .process<string>((v, ctx, out) => out.collect(`${ctx.timestamp() ?? "none"}|${v}`))
      .executeAndCollect();
  return {
    wasm: await run(WatermarkStrategy.forBoundedOutOfOrderness<string>(1000).withTimestampAssigner(ts)),
    typescript: await run(WatermarkStrategy.forBoundedOutOfOrderness<string>(1000).withTimestampAssigner((v, recordTs) => leadingTimestamp(v) ?? recordTs)),
  };
}

/** Numbers as strings with timestamps: the input of the keyed and window jobs. */
export function numberEvents(n: number): { value: string; ts: number }[] {
  return Array.from({ length: n }, (_, i) => ({ value: String((i * 37) % 101 - 20), ts: 1_700_000_000_000 + i * 173 }));
}

const keyOf = (v: string): number => Math.abs(Number(v)) % 5;

/** keyed-running-sum in TypeScript, written as a user would (ValueState, event-time timers). */
export function runningSumFunction(): KeyedProcessFunction<number, string, string> & { sum?: ValueState<number> } {
  return {
    open(ctx) {
      this.sum = ctx.getState(new ValueStateDescriptor<number>("sum", 0));
    },
    processElement(value, ctx, out) {
      this.sum!.update(this.sum!.value()! + Number.parseInt(value, 10));
      out.collect(String(this.sum!.value()));
      const ts = ctx.timestamp();
      if (ts !== undefined) ctx.timerService().registerEventTimeTimer(Math.floor(ts / 1000) * 1000 + 999);
    },
    onTimer(time, _ctx, out) {
      out.collect(`fired@${time}:${this.sum!.value()}`);
    },
  };
}

function timestamped(env: StreamExecutionEnvironment, events: readonly { value: string; ts: number }[]): DataStream<string> {
  return env
    .fromCollection(events.map((e) => `${e.ts} ${e.value}`))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<string>().withTimestampAssigner((s) => Number(s.slice(0, s.indexOf(" ")))))
    .map((s) => s.slice(s.indexOf(" ") + 1));
}

/** keyed-running-sum (state + event-time timers) through the engine vs the TypeScript function. */
export async function keyedProcessJob(events: readonly { value: string; ts: number }[], parallelism = 2): Promise<Comparison<string[]>> {
  const sum = await guestFunction("guests/keyed-running-sum/guest.as.ts", "running-sum");
  const run = async (fn: WasmFunction | KeyedProcessFunction<number, string, string>) => {
    const env = StreamExecutionEnvironment.create({ parallelism });
    return (await timestamped(env, events).keyBy(keyOf).process<string>(fn as WasmFunction).executeAndCollect()).sort();
  };
  return { wasm: await run(sum), typescript: await run(runningSumFunction()) };
}

/** window-sum in tumbling and session windows (merging) vs a TypeScript AggregateFunction. */
export async function windowJobs(events: readonly { value: string; ts: number }[]): Promise<Record<string, Comparison<string[]>>> {
  const sum = await guestFunction("guests/window-sum/guest.as.ts", "window-sum");
  const tsSum: AggregateFunction<string, number, string> = {
    createAccumulator: () => 0,
    add: (v, acc) => acc + Number.parseInt(v, 10),
    merge: (a, b) => a + b,
    getResult: (acc) => String(acc),
  };
  const run = async (assigner: "tumbling" | "session", fn: WasmFunction | AggregateFunction<string, number, string>) => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const windowed = timestamped(env, events).keyBy(keyOf).window(assigner === "tumbling" ? TumblingEventTimeWindows.of(5_000) : EventTimeSessionWindows.withGap(400));
    return (
      await windowed
        .aggregate(fn as AggregateFunction<string, number, string>, (key, ctx, results, out) => {
          for (const r of results) out.collect(`${key}|${(ctx.window as unknown as { start: number }).start}|${String(r)}`);
        })
        .executeAndCollect()
    ).sort();
  };
  return {
    tumbling: { wasm: await run("tumbling", sum), typescript: await run("tumbling", tsSum) },
    session: { wasm: await run("session", sum), typescript: await run("session", tsSum) },
  };
}

/**
 * The stateful WASM operator under an injected failure: checkpoints every 20 ms, one failure
 * in a TypeScript map before it, exactly-once file sink. Returns the committed lines (sorted),
 * the expectation computed without the engine, and the restored checkpoint.
 */
export async function faultToleranceJob(options: { events?: number; failAt?: number; parallelism?: number } = {}): Promise<Comparison<string[]> & { restored: unknown; failures: number }> {
  const n = options.events ?? 3000;
  const failAt = options.failAt ?? Math.floor(n * 0.6);
  const sum = await guestFunction("guests/keyed-running-sum/guest.as.ts", "running-sum");
  const value = (i: number) => String((i * 31) % 200 - 50);
  const fs = new MemoryFileSystem();
  // one subtask up to the keyBy: each key sees its records in one order, so running sums are deterministic
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.enableCheckpointing(20, { storage: new MemoryCheckpointStorage() });
  env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
  let failures = 0;
  let job: JobClient | undefined;
  // The failure comes once a checkpoint has completed, so the restore takes one, however slowly the machine runs.
  const checkpointed = (): boolean => ((job?.checkpointStats() as { counts: { completed: number } } | undefined)?.counts.completed ?? 0) > 0;
  env
    // every timestamp is in one second, so each key's timer fires once, at the final watermark;
    // the input lasts about a second, long enough for a checkpoint to complete on a loaded machine
    .fromGenerator({ generate: (i) => ({ i, v: value(i) }), count: n, ratePerSecond: Math.max(1_000, n), startTime: 1_000_000_000, intervalMs: 0.25 },
      WatermarkStrategy.forBoundedOutOfOrderness<{ i: number; v: string }>(2000))
    .map((r) => {
      if (r.i >= failAt && failures === 0 && checkpointed()) {
        failures++;
        throw new Error(`injected failure at record ${r.i}`);
      }
      return r.v;
    })
    .keyBy(keyOf)
    .process<string>(sum)
    .uid("running-sum")
    .setParallelism(options.parallelism ?? 2)
    .sinkTo(new FileSink<string>({ fs, dir: "out", encode: (s) => s }));
  job = env.executeAsync("wasm fault tolerance");
  await job.getJobExecutionResult();
  const stats = job.checkpointStats() as { latest: { restored: unknown } };
  // expectation: per key, the running sum after each record, then one timer line with the total
  const sums = new Map<number, number>();
  const expected: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = value(i);
    const k = keyOf(v);
    sums.set(k, (sums.get(k) ?? 0) + Number(v));
    expected.push(String(sums.get(k)));
  }
  for (const total of sums.values()) expected.push(`fired@1000000999:${total}`);
  return { wasm: (await readCommittedLines(fs, "out")).sort(), typescript: expected.sort(), restored: stats.latest.restored, failures };
}
