/**
 * Turns a validated job spec into a job: `buildGraph` adds its sources, operators and sinks to an
 * environment (the same function builds the graph on the JobManager and, for a job on worker
 * TaskManagers, on each TaskManager), and `configureJobManager` adds what only the JobManager
 * applies: checkpointing into the server's storage, the restart strategy, a savepoint to start
 * from. `buildJob` does both, for a job that runs in this isolate.
 */
import {
  type AggregateFunction,
  type CheckpointStorage,
  CollectSink,
  type DataStream,
  type EnvironmentOptions,
  EventTimeSessionWindows,
  FileSink,
  type FileSystem,
  type KeyedStream,
  type Key,
  type OperatorProvider,
  PrintSink,
  ProcessingTimeSessionWindows,
  RestartStrategies,
  type ResultSink,
  type Sink,
  type SinkInitContext,
  type SinkWriter,
  type Source,
  type SourceSplit,
  type TwoPhaseCommitSink,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  joinPath,
} from "../core/index.ts";
import type { TimeWindow, WindowAssigner } from "../core/index.ts";
import { HttpError } from "./errors.ts";
import { recordGenerator } from "./generator-shapes.ts";
import type { JobSpec, OperatorSpec, SinkSpec, SourceSpec } from "./job-spec.ts";
import type { KafkaRuntime } from "./kafka.ts";
import { ResultBuffer } from "./result-buffer.ts";

type Rec = Record<string, unknown>;

/** Marks a stream keyed by a component's key selector (no key field to read). */
const KEYED_BY_COMPONENT = "\u0000component";

function specError(path: string, message: string): HttpError {
  return new HttpError(400, "[eddy] invalid job spec", [{ path, message }]);
}

/** What building a spec's graph needs: the JobManager's own, or one a TaskManager makes. */
export interface GraphContext {
  /**
   * File sinks write here (the server's output directory); without one, specs with file sinks
   * are refused (jobs on TaskManagers in other isolates cannot reach a file system in memory).
   */
  readonly outputFs: FileSystem | undefined;
  /** The component of an artifact id as a DataStream function of `kind` (throws a 400 naming `path` itself). */
  readonly component: (artifactId: string, kind: string, name: string, path: string) => Promise<OperatorProvider>;
  /** Lines of print sinks. */
  readonly print: (line: string) => void;
  /** Kafka sources and sinks. */
  readonly kafka: KafkaRuntime;
  /**
   * When the job was submitted, ms since epoch (default now). Generator sources count event time
   * from it, so a job resumed after a restart generates the same records again.
   */
  readonly submitted?: number;
  /** Names the job, the same across its restarts (webhook sinks start their idempotency keys with it). */
  readonly jobKey?: string;
  /** The buffer of a collect sink keeping `capacity` records (default: a ResultBuffer in memory). */
  readonly resultBuffer?: (capacity: number) => ResultBuffer;
  /**
   * Ingest sources and webhook sinks (default: ingest sources are refused, they need a Durable
   * Object deployment; webhook sinks through eddy/workerd's WebhookSink).
   */
  readonly connectors?: SpecConnectors;
}

/** What building a job in this isolate needs from the server. */
export interface BuildContext extends GraphContext {
  readonly outputFs: FileSystem;
  readonly checkpointStorage: CheckpointStorage;
  /** Names the job's checkpoints (unique per submission). */
  readonly jobKey: string;
}

/** Builds the connectors of a spec that belong to a deployment (`path` names the entry in errors). */
export interface SpecConnectors {
  ingest(spec: Extract<SourceSpec, { type: "ingest" }>, path: string): Promise<Source<unknown, SourceSplit, unknown>>;
  webhook(spec: Extract<SinkSpec, { type: "webhook" }>, path: string, jobKey: string | undefined): Promise<Sink<unknown> | TwoPhaseCommitSink<unknown, any>>;
}

/** Webhook sinks from eddy/workerd (any runtime has fetch); ingest sources need the edge. */
export const defaultSpecConnectors: SpecConnectors = {
  ingest: async (_s, path) => {
    throw new HttpError(501, "[eddy] ingest sources run on a Durable Object deployment (eddy bundle): this server has nowhere durable to take posted records", [{ path, message: "expected a source this server runs" }]);
  },
  webhook: async (s, _path, jobKey) => {
    const { WebhookSink } = await import("../adapters/workerd/webhook-sink.ts");
    return new WebhookSink({ ...(jobKey !== undefined ? { idempotencyKeyPrefix: jobKey } : {}), url: s.url, ...(s.headers !== undefined ? { headers: s.headers } : {}), ...(s.maxRecordsPerRequest !== undefined ? { maxRecordsPerRequest: s.maxRecordsPerRequest } : {}) });
  },
};

/** An environment with the job built on it, and the collect sink's buffer if there is one. */
export interface BuiltJob {
  readonly env: StreamExecutionEnvironment;
  readonly results: ResultBuffer | undefined;
}

/** The environment settings of `spec` (its parallelism), to which the caller adds where the job runs. */
export function environmentOptions(spec: JobSpec): EnvironmentOptions {
  return { parallelism: spec.parallelism ?? 1, ...(spec.maxParallelism !== undefined ? { maxParallelism: spec.maxParallelism } : {}) };
}

/** Builds `spec` to run in this isolate; a source or operator that cannot run here is an HttpError naming its path. */
export async function buildJob(spec: JobSpec, ctx: BuildContext): Promise<BuiltJob> {
  const env = StreamExecutionEnvironment.create(environmentOptions(spec));
  configureJobManager(env, spec, ctx);
  const { results } = await buildGraph(env, spec, ctx);
  return { env, results };
}

/**
 * What only the JobManager applies: checkpointing into `storage` under the job key, the restart
 * strategy, and the savepoint to start from.
 */
export function configureJobManager(env: StreamExecutionEnvironment, spec: JobSpec, ctx: { readonly checkpointStorage: CheckpointStorage; readonly jobKey: string }): void {
  // Without checkpointing the job runs without checkpoints, and (Flink's default) without restarts
  // unless the spec names a strategy.
  if (spec.checkpointing !== undefined) {
    const { interval, ...options } = spec.checkpointing;
    env.enableCheckpointing(interval, { ...options, storage: ctx.checkpointStorage, jobKey: ctx.jobKey });
  }
  if (spec.restartStrategy !== undefined) env.setRestartStrategy(restartStrategy(spec.restartStrategy));
  if (spec.savepoint !== undefined) {
    // `fromJob` names a job, not a location: the server resolves it before building.
    if (spec.savepoint.path === undefined) throw specError("savepoint.fromJob", "expected a resolved savepoint path: fromJob is resolved by the server that knows the job");
    env.setSavepointRestore(spec.savepoint.path, { allowNonRestoredState: spec.savepoint.allowNonRestoredState ?? false });
  }
}

/**
 * Adds the sources, operators and sinks of `spec` to `env`. Deterministic in (spec, context), so
 * a TaskManager that runs it builds the graph the JobManager built. Returns the buffer of the
 * collect sink, if the spec has one: records a TaskManager collects reach it in the JobManager's
 * isolate.
 */
export async function buildGraph(env: StreamExecutionEnvironment, spec: JobSpec, ctx: GraphContext): Promise<{ results: ResultBuffer | undefined }> {
  const streams: DataStream<unknown>[] = [];
  for (let i = 0; i < spec.sources.length; i++) streams.push(await source(env, spec.sources[i]!, i, ctx));
  let stream: DataStream<unknown> = streams.length === 1 ? streams[0]! : streams[0]!.union(...streams.slice(1));
  const ops = spec.operators ?? [];
  // After keyBy: the key field, or KEYED_BY_COMPONENT when a component selects keys.
  let keyField: string | undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.type === "window") {
      // The schema guarantees an aggregate (or wasm aggregate) follows.
      stream = await windowed(stream as DataStream<Rec>, keyField, op, ops[i + 1]!, i + 1, ctx);
      keyField = undefined;
      i++;
      continue;
    }
    if (op.type === "aggregate") {
      // A keyBy by field or a window right before takes the aggregate with it; the schema allows nothing else.
      throw specError(`operators[${i}]`, "expected aggregate to follow a window or a keyBy operator");
    }
    if (op.type === "keyBy") {
      const field = op.field;
      const next = ops[i + 1];
      if (next?.type === "aggregate") {
        // A running aggregate keys its own pre-aggregated pairs: keying here too would be a second exchange.
        stream = rolling(stream as DataStream<Rec>, field, next);
        keyField = undefined;
        i++;
        continue;
      }
      stream = (stream as DataStream<Rec>).keyBy((r) => keyOf(r, field)) as unknown as DataStream<unknown>;
      keyField = field;
      continue;
    }
    if (op.type === "wasm") {
      const name = op.name ?? `wasm ${op.kind} ${op.artifact.slice(0, 12)}`;
      const fn = await ctx.component(op.artifact, op.kind, name, `operators[${i}].artifact`);
      if (op.kind === "keyBy") {
        stream = stream.keyBy(fn, name) as unknown as DataStream<unknown>;
        keyField = KEYED_BY_COMPONENT;
        continue;
      }
      if (op.kind === "aggregate") throw specError(`operators[${i}].kind`, "expected a window right before a wasm aggregate");
      stream = op.kind === "process" ? (stream as KeyedStream<unknown, Key>).process(fn, name) : op.kind === "map" ? stream.map(fn, name) : op.kind === "filter" ? stream.filter(fn, name) : stream.flatMap(fn, name);
      if (op.parallelism !== undefined) stream.setParallelism(op.parallelism);
      keyField = undefined;
      continue;
    }
    stream = simple(stream, op);
    keyField = undefined;
  }
  let results: ResultBuffer | undefined;
  for (let i = 0; i < spec.sinks.length; i++) {
    const s = spec.sinks[i]!;
    const built = await sink(s, i, ctx);
    if (built.results !== undefined) results = built.results;
    stream.sinkTo(built.sink as Sink<unknown>, s.name ?? undefined);
  }
  return { results };
}

function restartStrategy(r: NonNullable<JobSpec["restartStrategy"]>) {
  switch (r.type) {
    case "none":
      return RestartStrategies.noRestart();
    case "fixed-delay":
      return RestartStrategies.fixedDelay(r.attempts, r.delay);
    case "exponential-delay":
      return RestartStrategies.exponentialDelay({ initialBackoffMs: r.initialBackoff, maxBackoffMs: Math.max(r.maxBackoff, r.initialBackoff), ...(r.multiplier !== undefined ? { backoffMultiplier: r.multiplier } : {}) });
    case "failure-rate":
      return RestartStrategies.failureRate(r.maxFailures, r.interval, r.delay);
  }
}

function watermarks(s: SourceSpec): WatermarkStrategy<Rec> {
  const field = s.timestampField ?? (s.type === "generator" ? "ts" : undefined);
  let strategy: WatermarkStrategy<Rec>;
  if (field === undefined) {
    // Kafka records carry their own timestamp; inline records have none.
    if (s.type !== "kafka") return WatermarkStrategy.noWatermarks<Rec>();
    strategy = WatermarkStrategy.forBoundedOutOfOrderness<Rec>(s.watermark?.maxOutOfOrdernessMs ?? 0);
  } else {
    strategy = WatermarkStrategy.forBoundedOutOfOrderness<Rec>(s.watermark?.maxOutOfOrdernessMs ?? 0).withTimestampAssigner((r) => {
      const t = Number(fieldOf(r, field));
      return Number.isFinite(t) ? t : Number.NaN;
    });
  }
  if (s.watermark?.idlenessMs !== undefined) strategy = strategy.withIdleness(s.watermark.idlenessMs);
  return strategy;
}

async function source(env: StreamExecutionEnvironment, s: SourceSpec, index: number, ctx: GraphContext): Promise<DataStream<unknown>> {
  let stream: DataStream<Rec>;
  if (s.type === "kafka") {
    const kafka = await ctx.kafka.source(s, `sources[${index}]`);
    stream = env.fromSource(kafka as Source<Rec, SourceSplit, unknown>, watermarks(s));
    if (s.parallelism !== undefined) stream.setParallelism(s.parallelism);
  } else if (s.type === "ingest") {
    stream = env.fromSource((await (ctx.connectors ?? defaultSpecConnectors).ingest(s, `sources[${index}]`)) as Source<Rec, SourceSplit, unknown>, watermarks(s), s.name);
    if (s.parallelism !== undefined) stream.setParallelism(s.parallelism);
  } else if (s.type === "collection") {
    stream = env.fromCollection<Rec>(s.records as Rec[], watermarks(s));
    if (s.name !== undefined) stream.name(s.name);
  } else {
    const rate = s.ratePerSecond;
    stream = env.fromGenerator<Rec>(
      {
        generate: recordGenerator(s.shape, s.fields),
        count: s.count,
        ratePerSecond: rate,
        seed: s.seed ?? 42,
        startTime: ctx.submitted ?? Date.now(),
        intervalMs: rate !== undefined ? 1000 / rate : 1,
        disorder: s.disorder,
      },
      watermarks(s),
      s.name ?? "generator",
    );
    if (s.parallelism !== undefined) stream.setParallelism(s.parallelism);
  }
  if (s.rateController !== undefined) stream.setRateController(definedOnly(s.rateController));
  return stream as DataStream<unknown>;
}

/** `o` without its undefined fields (the options types are exact: an absent option is left out). */
function definedOnly<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function keyOf(r: Rec, field: string): Key {
  const v = Object.hasOwn(r, field) ? r[field] : undefined;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return v;
  return v === undefined || v === null ? "" : JSON.stringify(v);
}

function fieldOf(r: unknown, field: string): unknown {
  return r !== null && typeof r === "object" && Object.hasOwn(r, field) ? (r as Rec)[field] : undefined;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case "exists":
      return a !== undefined;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "contains":
      return typeof a === "string" ? a.includes(String(b)) : Array.isArray(a) ? a.includes(b) : false;
  }
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
}

function simple(stream: DataStream<unknown>, op: Extract<OperatorSpec, { type: "filter" | "map" | "project" }>): DataStream<unknown> {
  let out: DataStream<unknown>;
  if (op.type === "filter") {
    const { field, op: cmp, value } = op;
    out = stream.filter((r) => compare(fieldOf(r, field), cmp, value), op.name ?? `Filter ${field} ${cmp}${cmp === "exists" ? "" : ` ${JSON.stringify(value)}`}`);
  } else {
    const pairs = op.select.map((f) => [f, op.rename?.[f] ?? f] as const);
    out = stream.map<unknown>((r) => {
      const o: Rec = {};
      for (const [from, to] of pairs) o[to] = fieldOf(r, from);
      return o;
    }, op.name ?? `Project ${op.select.join(", ")}`);
  }
  if (op.parallelism !== undefined) out.setParallelism(op.parallelism);
  return out;
}

type AggregateSpec = Extract<OperatorSpec, { type: "aggregate" }>;

/** count/sum/min/max of a field as an AggregateFunction; non-numeric values are skipped. */
function aggregateFunction(op: AggregateSpec): AggregateFunction<Rec, { n: number; v: number }, number | null> {
  const field = op.field;
  const value = (r: Rec): number => (field === undefined ? 1 : Number(fieldOf(r, field)));
  const fold = op.fn === "min" ? Math.min : op.fn === "max" ? Math.max : (a: number, b: number) => a + b;
  return {
    createAccumulator: () => ({ n: 0, v: op.fn === "min" ? Number.POSITIVE_INFINITY : op.fn === "max" ? Number.NEGATIVE_INFINITY : 0 }),
    add: (r, acc) => {
      const x = value(r);
      return Number.isFinite(x) ? { n: acc.n + 1, v: fold(acc.v, x) } : acc;
    },
    getResult: (acc) => (acc.n === 0 && op.fn !== "count" && op.fn !== "sum" ? null : acc.v),
    merge: (a, b) => ({ n: a.n + b.n, v: fold(a.v, b.v) }),
  };
}

function assigner(op: Extract<OperatorSpec, { type: "window" }>): WindowAssigner<Rec, TimeWindow> {
  const event = (op.time ?? "event") === "event";
  switch (op.kind) {
    case "tumbling":
      return (event ? TumblingEventTimeWindows.of<Rec>(op.size!) : TumblingProcessingTimeWindows.of<Rec>(op.size!)) as WindowAssigner<Rec, TimeWindow>;
    case "sliding":
      return (event ? SlidingEventTimeWindows.of<Rec>(op.size!, op.slide!) : SlidingProcessingTimeWindows.of<Rec>(op.size!, op.slide!)) as WindowAssigner<Rec, TimeWindow>;
    case "session":
      return (event ? EventTimeSessionWindows.withGap<Rec>(op.gap!) : ProcessingTimeSessionWindows.withGap<Rec>(op.gap!)) as unknown as WindowAssigner<Rec, TimeWindow>;
  }
}

async function windowed(stream: DataStream<Rec>, keyField: string | undefined, op: Extract<OperatorSpec, { type: "window" }>, next: OperatorSpec, nextIndex: number, ctx: GraphContext): Promise<DataStream<unknown>> {
  const keyed = keyField !== undefined ? (stream as unknown as KeyedStream<Rec, Key>) : stream.keyBy(() => 0);
  let windows = keyed.window(assigner(op));
  if (op.allowedLateness !== undefined) windows = windows.allowedLateness(op.allowedLateness);
  const as = next.type === "aggregate" ? (next.as ?? next.fn) : "value";
  // Each result is one record with its key (when keyed) and window bounds.
  const emit = (key: Key, wctx: { window: unknown }, values: Iterable<unknown>, collector: { collect(r: Rec): void }): void => {
    const w = wctx.window as TimeWindow;
    for (const v of values) collector.collect(keyField !== undefined ? { key, start: w.start, end: w.end, [as]: v } : { start: w.start, end: w.end, [as]: v });
  };
  let out: DataStream<Rec>;
  if (next.type === "aggregate") {
    out = windows.aggregate<{ n: number; v: number }, number | null, Rec>(aggregateFunction(next), emit);
    out.name(next.name ?? `${op.kind} ${op.time ?? "event"}-time window ${next.fn}${next.field !== undefined ? `(${next.field})` : ""}`);
  } else if (next.type === "wasm" && next.kind === "aggregate") {
    const name = next.name ?? `wasm aggregate ${next.artifact.slice(0, 12)}`;
    out = windows.aggregate<unknown, unknown, Rec>(await ctx.component(next.artifact, next.kind, name, `operators[${nextIndex}].artifact`), emit);
    out.name(`${op.kind} ${op.time ?? "event"}-time window ${name}`);
  } else {
    throw specError(`operators[${nextIndex}]`, "expected an aggregate operator right after a window");
  }
  if (next.parallelism !== undefined) out.setParallelism(next.parallelism);
  return out as DataStream<unknown>;
}

/**
 * A running aggregate per value of `keyField` (no window): one updated result per input record.
 * Each record becomes a (key, accumulator) pair before the one hash exchange, so the key is
 * computed once.
 */
function rolling(stream: DataStream<Rec>, keyField: string, op: AggregateSpec): DataStream<unknown> {
  const fn = aggregateFunction(op);
  const as = op.as ?? op.fn;
  const out = stream
    .map((r) => ({ key: keyOf(r, keyField), acc: fn.add(r, fn.createAccumulator()) }))
    .keyBy((p) => p.key)
    .reduce((a, b) => ({ key: a.key, acc: fn.merge(a.acc, b.acc) }), op.name ?? `rolling ${op.fn}`)
    .map((p) => ({ key: p.key, [as]: fn.getResult(p.acc) }) as Rec);
  return out as DataStream<unknown>;
}

async function sink(s: SinkSpec, index: number, ctx: GraphContext): Promise<{ sink: unknown; results?: ResultBuffer }> {
  switch (s.type) {
    case "kafka":
      return { sink: await ctx.kafka.sink(s, `sinks[${index}]`) };
    case "print":
      return { sink: new PrintLines(s.prefix, ctx.print) };
    case "collect": {
      const capacity = s.maxRecords ?? 10_000;
      const results = ctx.resultBuffer?.(capacity) ?? new ResultBuffer(capacity);
      // A result sink: written on a TaskManager in another isolate, its records reach this buffer.
      return { sink: new CollectSink(results), results };
    }
    case "webhook":
      return { sink: await (ctx.connectors ?? defaultSpecConnectors).webhook(s, `sinks[${index}]`, ctx.jobKey) };
    case "file":
      if (ctx.outputFs === undefined) {
        throw specError(`sinks[${index}]`, "expected a server with an output directory: file sinks of jobs on TaskManagers write part files under one, and this server keeps its output in memory");
      }
      return { sink: new FileSink({ fs: ctx.outputFs, dir: joinPath(s.path) }) };
  }
}

/**
 * A print sink whose lines are printed by the server: in this isolate directly, and from a
 * TaskManager in another isolate they travel to the JobManager as results, which prints them.
 */
class PrintLines implements ResultSink<string> {
  readonly name = "Print to Std. Out";
  readonly collectsResults = true as const;
  constructor(
    private readonly prefix: string | undefined,
    private readonly print: (line: string) => void,
  ) {}
  createWriter(context: SinkInitContext): SinkWriter<string> {
    const results = context.results;
    return new PrintSink<string>(this.prefix, results !== undefined ? (line) => results.add(line) : this.print).createWriter(context);
  }
  accept(lines: readonly string[]): void {
    for (const line of lines) this.print(line);
  }
}
