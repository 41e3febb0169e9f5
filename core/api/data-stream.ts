/**
 * DataStream and KeyedStream: the fluent API that builds the StreamGraph (Flink's names).
 * They live in one file because KeyedStream extends DataStream and DataStream.keyBy returns one.
 */
import { EddyError, checkArgument } from "../errors.ts";
import type { PartitionerSpec, StreamNode } from "../graph/stream-graph.ts";
import type { OutputTag, StreamOperator } from "../runtime/operator.ts";
import type { Sink } from "../connectors/sink.ts";
import { CollectSink, PrintSink } from "../connectors/collect-sink.ts";
import { SinkOperator } from "../connectors/sink-operator.ts";
import { type TwoPhaseCommitSink, TwoPhaseCommitSinkOperator, isTwoPhaseCommitSink } from "../connectors/two-phase-commit-sink.ts";
import type { Key } from "../state/types.ts";
import type { WatermarkStrategy } from "../time/watermark-strategy.ts";
import type { Window } from "../window/time-window.ts";
import type { WindowAssigner } from "../window/window-assigner.ts";
import { GlobalWindows } from "../window/global-windows.ts";
import { CountTrigger } from "../window/count-trigger.ts";
import { PurgingTrigger } from "../window/purging-trigger.ts";
import { CountEvictor } from "../window/evictors.ts";
import type { StreamExecutionEnvironment } from "./environment.ts";
import { type CoProcessFunction, type FilterFunction, type FlatMapFunction, type KeyedProcessFunction, type KeyedRecord, type MapFunction, type OperatorKind, type OperatorProvider, type ProcessFunction, isOperatorProvider } from "./functions.ts";
import { unwrapKeyedRecords } from "./operators/provided-operators.ts";
import { FilterOperator, FlatMapOperator, MapOperator } from "./operators/simple-operators.ts";
import { keyedProcessOperator, processOperator } from "./operators/process-operators.ts";
import { RollingReduceOperator } from "./operators/rolling-reduce.ts";
import { TimestampsAndWatermarksOperator } from "./operators/timestamps-and-watermarks.ts";
import { WindowedStream } from "./windowed-stream.ts";
import type { RateControllerOptions } from "../runtime/rate/rate-controller.ts";
import { PIDRateEstimator } from "../runtime/rate/pid-rate-estimator.ts";
import { ConnectedStreams } from "./connected-streams.ts";
import { CoGroupedStreams, IntervalJoin, JoinedStreams } from "./joins.ts";

/** Where a stream's records come from: a node's main output or one of its side outputs. */
export interface StreamRef {
  readonly nodeId: number;
  readonly tag: string | undefined;
  readonly partitioner: PartitionerSpec;
}

const AUTO: PartitionerSpec = { kind: "auto" };

/** Options for adding an operator node. */
export interface TransformOptions {
  readonly pact?: StreamNode["pact"];
  readonly sink?: unknown;
  readonly keySelectors?: [(v: any) => Key, ((v: any) => Key)?];
  readonly parallelism?: number;
}

/** A stream of records of type T. */
export class DataStream<T> {
  /** @internal */
  constructor(
    readonly environment: StreamExecutionEnvironment,
    /** @internal */ readonly refs: readonly StreamRef[],
  ) {}

  /** Applies `fn` (or an {@link OperatorProvider} of kind `map`) to every record. */
  map<R>(fn: MapFunction<T, R> | OperatorProvider, name = "Map"): DataStream<R> {
    if (isOperatorProvider(fn)) return this.provided(fn, "map", name);
    checkUdf(fn, "map", name);
    return this.transform(name, () => new MapOperator(fn));
  }

  /** Keeps the records for which `fn` returns true. */
  filter(fn: FilterFunction<T> | OperatorProvider, name = "Filter"): DataStream<T> {
    if (isOperatorProvider(fn)) return this.provided(fn, "filter", name);
    checkUdf(fn, "filter", name);
    return this.transform(name, () => new FilterOperator(fn));
  }

  /** Emits zero or more records per record: through `out.collect`, or by returning an iterable. */
  flatMap<R>(fn: FlatMapFunction<T, R> | OperatorProvider, name = "Flat Map"): DataStream<R> {
    if (isOperatorProvider(fn)) return this.provided(fn, "flatMap", name);
    checkUdf(fn, "flatMap", name);
    return this.transform(name, () => new FlatMapOperator(fn));
  }

  /** Runs a ProcessFunction (or a `(value, ctx, out)` function): side outputs, timestamps. */
  process<R>(fn: ProcessFunction<T, R>, name?: string): DataStream<R>;
  process<R>(fn: ProcessFunction<T, R>["processElement"], name?: string): DataStream<R>;
  process<R>(fn: ProcessFunction<T, R> | ProcessFunction<T, R>["processElement"], name = "Process"): DataStream<R> {
    checkUdf(fn, "process", name, "processElement");
    return this.transform(name, () => processOperator(fn));
  }

  /**
   * Partitions by key: records with the same key go to the same subtask and share keyed state.
   * With an {@link OperatorProvider}, its `keySelector` operator computes the keys before the
   * partitioner (see OperatorProvider); the keyed stream's operators still see plain records.
   */
  keyBy<K extends Key>(keySelector: ((value: T) => K) | OperatorProvider, name = "Key Selector"): KeyedStream<T, K> {
    if (isOperatorProvider(keySelector)) {
      // One key operator per input, with that input's parallelism so that it chains (or at
      // least connects forward) and each upstream subtask's records keep their order per key.
      const graph = this.environment.streamGraph;
      const refs = this.refs.flatMap((ref) =>
        new DataStream<T>(this.environment, [ref]).provided<KeyedRecord<T>>(keySelector, "keySelector", name, { parallelism: graph.node(ref.nodeId).parallelism }).refs,
      );
      return new KeyedStream<T, K>(this.environment, refs, ((r: KeyedRecord<T>) => r.key) as never, true);
    }
    checkArgument(typeof keySelector === "function", `[eddy] keyBy needs a key selector function (value) => key, got ${typeof keySelector}`);
    return new KeyedStream<T, K>(this.environment, this.refs, keySelector);
  }

  /** Merges streams of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) checkArgument(o.environment === this.environment, "[eddy] union: streams must come from the same environment");
    return new DataStream<T>(this.environment, [...this.refs, ...others.flatMap((o) => o.refs)]);
  }

  /** Connects two streams, possibly of different types, for a CoProcessFunction. */
  connect<R>(other: DataStream<R>): ConnectedStreams<T, R> {
    checkArgument(other.environment === this.environment, "[eddy] connect: streams must come from the same environment");
    return new ConnectedStreams<T, R>(this, other);
  }

  /** Window join: `a.join(b).where(ka).equalTo(kb).window(assigner).apply((l, r) => ...)`. */
  join<R>(other: DataStream<R>): JoinedStreams<T, R> {
    return new JoinedStreams<T, R>(this, other);
  }

  /** Window co-group: like join, but the function sees all elements of both sides per window. */
  coGroup<R>(other: DataStream<R>): CoGroupedStreams<T, R> {
    return new CoGroupedStreams<T, R>(this, other);
  }

  /** Windows over the whole stream (parallelism 1). */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, Key, W> {
    const keyed = new KeyedStream<T, number>(this.environment, this.refs, () => 0);
    return keyed.window(assigner).setParallelismOnBuild(1);
  }

  /**
   * Assigns timestamps and generates watermarks here, replacing upstream watermarks. A strategy
   * whose timestamp assigner is an {@link OperatorProvider} runs its operator first.
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>, name = "Timestamps/Watermarks"): DataStream<T> {
    const interval = this.environment.getConfig().autoWatermarkInterval;
    const provider = strategy.timestampAssignerProvider;
    const input = provider === undefined ? this : this.provided<T>(provider, "timestampAssigner", `Timestamps(${provider.name ?? "provided"})`);
    return input.transform(name, () => new TimestampsAndWatermarksOperator(strategy, interval));
  }

  /** Round-robin over all downstream subtasks. */
  rebalance(): DataStream<T> {
    return this.partition({ kind: "rebalance" });
  }

  /** Round-robin over a local subset of downstream subtasks. */
  rescale(): DataStream<T> {
    return this.partition({ kind: "rescale" });
  }

  /** Every record to every downstream subtask. */
  broadcast(): DataStream<T> {
    return this.partition({ kind: "broadcast" });
  }

  /** Subtask i to subtask i (needs equal parallelism). */
  forward(): DataStream<T> {
    return this.partition({ kind: "forward" });
  }

  /** Everything to the first downstream subtask. */
  global(): DataStream<T> {
    return this.partition({ kind: "global" });
  }

  /** The records an upstream operator emitted to `tag`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    const node = this.singleNode("getSideOutput");
    return new DataStream<X>(this.environment, [{ nodeId: node.id, tag: tag.id, partitioner: AUTO }]);
  }

  /** Prints every record (Flink's print: `subtask> value` when parallel). */
  print(prefix?: string): DataStreamSink {
    return this.sinkTo(new PrintSink<T>(prefix), "Print to Std. Out");
  }

  /** Writes to a sink: a Sink (writer per subtask) or a TwoPhaseCommitSink (exactly-once). */
  sinkTo(sink: Sink<T> | TwoPhaseCommitSink<T, any>, name?: string): DataStreamSink {
    if (isTwoPhaseCommitSink(sink)) {
      checkArgument(typeof sink.createLogic === "function", "[eddy] sinkTo: a two-phase-commit sink needs createLogic(context)");
      const stream = this.transform<never>(name ?? sink.name ?? "Sink", () => new TwoPhaseCommitSinkOperator(sink), { pact: "Data Sink", sink });
      return new DataStreamSink(stream.singleNode("sinkTo"));
    }
    checkArgument(sink !== null && typeof sink === "object" && typeof (sink as Sink<T>).createWriter === "function", "[eddy] sinkTo needs a Sink with createWriter(context) or a TwoPhaseCommitSink");
    const stream = this.transform<never>(name ?? sink.name ?? "Sink", () => new SinkOperator(sink as Sink<T>), { pact: "Data Sink", sink });
    return new DataStreamSink(stream.singleNode("sinkTo"));
  }

  /** Runs the job (which must be bounded) and returns this stream's records. */
  async executeAndCollect(jobName = "collect"): Promise<T[]> {
    const results: T[] = [];
    this.environment.collecting(this as DataStream<unknown>);
    this.sinkTo(new CollectSink(results), "Collect Sink");
    await this.environment.execute(jobName);
    return results;
  }

  /**
   * Holds this source to the rate its job can sustain (Spark Streaming's backpressure, with its
   * PID estimator; see RateController): every `intervalMs` the rate is estimated again from the
   * job's processing and queueing delays. For sources credits cannot slow down: a client pushing
   * records, or a backlog to drain at a steady pace.
   *
   * @example
   * env.fromSource(kafka, strategy, "clicks").setRateController({ intervalMs: 1_000, minRate: 1_000 });
   */
  setRateController(options: RateControllerOptions = {}): this {
    const node = this.singleNode("setRateController");
    checkArgument(node.kind === "source", `[eddy] setRateController applies to a source, not to "${node.name}"`);
    checkArgument(options.intervalMs === undefined || options.intervalMs > 0, `[eddy] setRateController: intervalMs must be > 0, got ${options.intervalMs}`);
    checkArgument(options.initialRate === undefined || options.initialRate > 0, `[eddy] setRateController: initialRate must be > 0 records/s, got ${options.initialRate}`);
    checkArgument(options.maxRate === undefined || options.maxRate > 0, `[eddy] setRateController: maxRate must be > 0 records/s, got ${options.maxRate}`);
    new PIDRateEstimator(options.intervalMs ?? 1_000, options); // refuses bad gains now, not when the job runs
    node.rateController = { ...options };
    return this;
  }

  /** Sets the operator's name (plans, metrics, errors). */
  name(name: string): this {
    this.singleNode("name").name = name;
    return this;
  }

  /** Sets a stable id, used to match state when restoring a savepoint. */
  uid(uid: string): this {
    checkArgument(typeof uid === "string" && uid !== "", "[eddy] uid must be a non-empty string");
    for (const n of this.environment.streamGraph.nodes.values()) {
      if (n.uid === uid && n.id !== this.singleNode("uid").id) throw new EddyError(`[eddy] uid "${uid}" is used by two operators ("${n.name}" and "${this.singleNode("uid").name}")`, { code: "INVALID_JOB", domain: "user" });
    }
    this.singleNode("uid").uid = uid;
    return this;
  }

  /** Sets this operator's parallelism. */
  setParallelism(parallelism: number): this {
    const node = this.singleNode("setParallelism");
    checkArgument(Number.isInteger(parallelism) && parallelism >= 1, `[eddy] operator "${node.name}": parallelism must be an integer >= 1, got ${parallelism}`, node.name);
    node.parallelism = parallelism;
    return this;
  }

  /** Sets this operator's max parallelism (number of key groups). */
  setMaxParallelism(maxParallelism: number): this {
    const node = this.singleNode("setMaxParallelism");
    checkArgument(Number.isInteger(maxParallelism) && maxParallelism >= 1 && maxParallelism <= 32768, `[eddy] operator "${node.name}": maxParallelism must be an integer in [1, 32768], got ${maxParallelism}`, node.name);
    node.maxParallelism = maxParallelism;
    return this;
  }

  /** Keeps this operator out of any chain. */
  disableChaining(): this {
    this.singleNode("disableChaining").chaining = "never";
    return this;
  }

  /** Starts a new chain at this operator. */
  startNewChain(): this {
    this.singleNode("startNewChain").chaining = "head";
    return this;
  }

  /** @internal Adds an operator fed by this stream. */
  transform<R>(name: string, factory: () => StreamOperator<any, any>, options: TransformOptions = {}): DataStream<R> {
    const graph = this.environment.streamGraph;
    const node = graph.addNode({
      name,
      uid: undefined,
      kind: "operator",
      pact: options.pact ?? "Operator",
      parallelism: options.parallelism,
      maxParallelism: undefined,
      operatorFactory: factory,
      ...(options.sink !== undefined ? { sink: options.sink } : {}),
      keySelectors: options.keySelectors ?? this.operatorKeySelectors(),
      chaining: "always",
    });
    for (const ref of this.refs) graph.addEdge({ source: ref.nodeId, target: node.id, partitioner: ref.partitioner, input: 0, sideOutputTag: ref.tag });
    return new DataStream<R>(this.environment, [{ nodeId: node.id, tag: undefined, partitioner: AUTO }]);
  }

  /** @internal Adds the operator an OperatorProvider supplies for `kind`, refusing the provider now if it cannot serve. */
  provided<R>(provider: OperatorProvider, kind: OperatorKind, name: string, options?: TransformOptions): DataStream<R> {
    provider.createOperator(kind);
    return this.transform<R>(name, () => provider.createOperator(kind), options);
  }

  /** @internal Key selectors an operator applied to this stream gets (keyed streams only). */
  operatorKeySelectors(): [(v: any) => Key] | undefined {
    return undefined;
  }

  /** @internal The node that produced this stream; errors if it is a union, side output or repartitioning. */
  singleNode(method: string): StreamNode {
    const ref = this.refs[0];
    if (this.refs.length !== 1 || ref === undefined || ref.tag !== undefined || ref.partitioner.kind !== "auto") {
      throw new EddyError(`[eddy] ${method}() applies to the output of an operator, not to a union, side output or repartitioned stream`, { code: "INVALID_ARGUMENT", domain: "user" });
    }
    return this.environment.streamGraph.node(ref.nodeId);
  }

  private partition(partitioner: PartitionerSpec): DataStream<T> {
    return new DataStream<T>(this.environment, this.refs.map((r) => ({ ...r, partitioner })));
  }
}

/** A stream partitioned by key: keyed state, timers, windows. */
export class KeyedStream<T, K extends Key = Key> extends DataStream<T> {
  /** @internal */
  constructor(
    environment: StreamExecutionEnvironment,
    refs: readonly StreamRef[],
    readonly keySelector: (value: T) => K,
    /** @internal Records travel as `{ key, value }` (keyBy with an OperatorProvider); operators get `value`. */
    readonly keyedRecords = false,
  ) {
    super(
      environment,
      refs.map((r) => ({ ...r, partitioner: { kind: "hash", keySelector } })),
    );
  }

  /** @internal Operators on a stream of KeyedRecords see the records' values. */
  override transform<R>(name: string, factory: () => StreamOperator<any, any>, options: TransformOptions = {}): DataStream<R> {
    return super.transform<R>(name, this.keyedRecords ? () => unwrapKeyedRecords(factory()) : factory, options);
  }

  override operatorKeySelectors(): [(v: any) => Key] {
    return [this.keySelector];
  }

  /** Running reduce per key: emits the folded value after every record. */
  reduce(fn: (a: T, b: T) => T, name = "Keyed Reduce"): DataStream<T> {
    checkUdf(fn, "reduce", name);
    return this.transform(name, () => new RollingReduceOperator(fn));
  }

  /** Runs a KeyedProcessFunction: keyed state and timers. */
  override process<R>(fn: KeyedProcessFunction<K, T, R>, name?: string): DataStream<R>;
  override process<R>(fn: ProcessFunction<T, R>["processElement"], name?: string): DataStream<R>;
  override process<R>(fn: OperatorProvider, name?: string): DataStream<R>;
  override process<R>(fn: KeyedProcessFunction<K, T, R> | ProcessFunction<T, R>["processElement"] | OperatorProvider, name = "KeyedProcess"): DataStream<R> {
    if (isOperatorProvider(fn)) return this.provided(fn, "keyedProcess", name);
    checkUdf(fn, "process", name, "processElement");
    const f = typeof fn === "function" ? ({ processElement: fn } as KeyedProcessFunction<K, T, R>) : (fn as KeyedProcessFunction<K, T, R>);
    return this.transform(name, () => keyedProcessOperator(f));
  }

  /** Running sum of a numeric field per key (the other fields are those of the first record). */
  sum(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => ({ ...a, [field]: (a[field] as number) + (b[field] as number) }), `Keyed Aggregation (sum ${field})`);
  }

  /** Running minimum of a field per key. */
  min(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => (b[field] < a[field] ? { ...a, [field]: b[field] } : a), `Keyed Aggregation (min ${field})`);
  }

  /** Running maximum of a field per key. */
  max(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => (b[field] > a[field] ? { ...a, [field]: b[field] } : a), `Keyed Aggregation (max ${field})`);
  }

  /** The record with the smallest field value per key so far. */
  minBy(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => (b[field] < a[field] ? b : a), `Keyed Aggregation (minBy ${field})`);
  }

  /** The record with the largest field value per key so far. */
  maxBy(field: keyof T & string): DataStream<T> {
    return this.reduce((a, b) => (b[field] > a[field] ? b : a), `Keyed Aggregation (maxBy ${field})`);
  }

  /** Windows per key. */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    checkArgument(assigner !== null && typeof assigner === "object" && typeof assigner.assignWindows === "function", "[eddy] window() needs a WindowAssigner such as TumblingEventTimeWindows.of(60_000)");
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /**
   * Count windows per key: tumbling every `size` records (GlobalWindows + purging CountTrigger),
   * or, with `slide`, the last `size` records every `slide` records (CountTrigger + CountEvictor).
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, Window> {
    checkArgument(Number.isInteger(size) && size > 0, `[eddy] countWindow: size must be an integer > 0, got ${size}`);
    const windowed = new WindowedStream<T, K, Window>(this, GlobalWindows.create() as unknown as WindowAssigner<T, Window>);
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of(size)) as never);
    checkArgument(Number.isInteger(slide) && slide > 0, `[eddy] countWindow: slide must be an integer > 0, got ${slide}`);
    return windowed.evictor(CountEvictor.of(size) as never).trigger(CountTrigger.of(slide) as never);
  }

  /** Interval join with another keyed stream: `a.intervalJoin(b).between(lo, hi).process(fn)`. */
  intervalJoin<R>(other: KeyedStream<R, K>): IntervalJoin<T, R, K> {
    checkArgument(other instanceof KeyedStream, "[eddy] intervalJoin needs a KeyedStream: call keyBy on the other stream first");
    checkArgument(!this.keyedRecords && !other.keyedRecords, "[eddy] intervalJoin needs keyBy with a key selector function on both sides, not an OperatorProvider");
    return new IntervalJoin<T, R, K>(this, other);
  }

  /** Connected keyed streams share keyed state and timers in a KeyedCoProcessFunction. */
  override connect<R>(other: DataStream<R>): ConnectedStreams<T, R> {
    checkArgument(!this.keyedRecords && !(other instanceof KeyedStream && other.keyedRecords), "[eddy] connect needs keyBy with a key selector function on both sides, not an OperatorProvider");
    return super.connect(other);
  }
}

/** The end of a pipeline; name, uid and parallelism of the sink can still be set. */
export class DataStreamSink {
  /** @internal */
  constructor(private readonly node: StreamNode) {}
  name(name: string): this {
    this.node.name = name;
    return this;
  }
  uid(uid: string): this {
    this.node.uid = uid;
    return this;
  }
  setParallelism(parallelism: number): this {
    checkArgument(Number.isInteger(parallelism) && parallelism >= 1, `[eddy] sink "${this.node.name}": parallelism must be an integer >= 1, got ${parallelism}`, this.node.name);
    this.node.parallelism = parallelism;
    return this;
  }
  disableChaining(): this {
    this.node.chaining = "never";
    return this;
  }
}

/** Rejects a missing or wrongly-shaped user function when the job is built. */
export function checkUdf(fn: unknown, method: string, operator: string, objectMethod = method): void {
  const ok = typeof fn === "function" || (typeof fn === "object" && fn !== null && typeof (fn as Record<string, unknown>)[objectMethod] === "function");
  if (!ok) {
    throw new EddyError(`[eddy] ${method}() of "${operator}" needs a function or an object with ${objectMethod}(), got ${fn === null ? "null" : typeof fn}`, {
      code: "INVALID_ARGUMENT",
      domain: "user",
      operator,
    });
  }
}

/** Exposed for ConnectedStreams. */
export type { CoProcessFunction };
