/**
 * StreamExecutionEnvironment: where a job starts (sources), how it is configured, and how it runs.
 */
import { EddyError, checkArgument } from "../errors.ts";
import { StreamGraph } from "../graph/stream-graph.ts";
import { createJobGraph, type JobGraph } from "../graph/job-graph.ts";
import { ExecutionGraph, executionPlan } from "../graph/execution-graph.ts";
import type { Source } from "../connectors/source.ts";
import { CollectionSource } from "../connectors/collection-source.ts";
import { GeneratorSource, type GeneratorSourceOptions } from "../connectors/generator-source.ts";
import { SystemClock } from "../time/clocks.ts";
import type { Clock } from "../time/types.ts";
import { WatermarkStrategy } from "../time/watermark-strategy.ts";
import { randomHexId } from "../graph/ids.ts";
import { DataStream } from "./data-stream.ts";
import { JobClient, type JobExecutionResult } from "./job-client.ts";
import { type CheckpointConfig, type CheckpointingOptions, checkpointConfig } from "../checkpoint/checkpoint-config.ts";
import type { CompletedCheckpoint } from "../checkpoint/types.ts";
import { JobMaster, type InitialRestore } from "../runtime/job-master.ts";
import { RestartStrategies, type RestartStrategy } from "../runtime/restart-strategy.ts";
import type { ExecutionFactory } from "../runtime/job-execution.ts";
import type { EnvironmentSettings, JobReference, ModuleLoader } from "../runtime/task-manager.ts";
import type { Cluster } from "../cluster/cluster.ts";
import { ClusterExecution } from "../cluster/cluster-execution.ts";

/** Options of {@link StreamExecutionEnvironment.create}. */
export interface EnvironmentOptions {
  /** Default parallelism of operators (default 1). */
  readonly parallelism?: number;
  /** Default max parallelism (number of key groups); derived from parallelism when omitted, as in Flink. */
  readonly maxParallelism?: number;
  /** Periodic watermark interval in ms (default 200; 0 disables periodic emission). */
  readonly autoWatermarkInterval?: number;
  /** Processing-time clock (default: the system clock). Tests inject a ManualClock. */
  readonly clock?: Clock;
  /** Records per network batch (default 512). */
  readonly batchSize?: number;
  /** Batches a channel holds before its producer is backpressured (default 4). */
  readonly channelCapacity?: number;
  /** Chain operators into tasks where possible (default true). */
  readonly chaining?: boolean;
  /**
   * TaskManagers in other isolates to run jobs on (e.g. `await workerCluster({ taskManagers: 2 })`
   * from `eddy/node`, `eddy/deno` or `eddy/bun`). Without one, jobs run in this isolate. Jobs on a
   * cluster are built with {@link StreamExecutionEnvironment.build}, since every TaskManager
   * builds the job itself.
   */
  readonly cluster?: Cluster;
  /** A partly filled batch to another TaskManager is sent after this many ms even while its task stays busy (default 5; Flink's buffer timeout). */
  readonly bufferTimeoutMs?: number;
  /**
   * CPU budget of one call into user code on a cluster, ms (default 10000; 0 disables): a
   * WebAssembly batch call or a task's step over one batch. Past it the TaskManager running it is
   * stopped and the job fails over with an error naming what ran; other jobs keep running.
   */
  readonly userCodeBudgetMs?: number;
}

/** What {@link StreamExecutionEnvironment.build} built, for the TaskManagers to build the same. */
interface BuiltJob {
  readonly reference: JobReference;
  readonly stream: DataStream<unknown> | undefined;
  collect: boolean;
}

/** Mutable configuration (Flink's ExecutionConfig). */
export interface ExecutionConfig {
  autoWatermarkInterval: number;
  batchSize: number;
  channelCapacity: number;
  chaining: boolean;
}

/**
 * The entry point of a job.
 *
 * @example
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * const doubled = await env.fromCollection([1, 2, 3]).map((x) => x * 2).executeAndCollect();
 */
export class StreamExecutionEnvironment {
  /** @internal The graph being built; replaced after each execute, as Flink clears its transformations. */
  streamGraph: StreamGraph = new StreamGraph("job");
  private parallelism: number;
  private maxParallelism: number | undefined;
  readonly clock: Clock;
  private readonly config: ExecutionConfig;
  private checkpointing: CheckpointConfig | undefined;
  private restartStrategy: RestartStrategy | undefined;
  private restore: InitialRestore | undefined;
  private readonly cluster: Cluster | undefined;
  private readonly bufferTimeoutMs: number;
  private readonly userCodeBudgetMs: number;
  private built: BuiltJob | undefined;

  private constructor(options: EnvironmentOptions) {
    const parallelism = options.parallelism ?? 1;
    checkArgument(Number.isInteger(parallelism) && parallelism >= 1, `[eddy] parallelism must be an integer >= 1, got ${parallelism}`);
    this.parallelism = parallelism;
    if (options.maxParallelism !== undefined) this.setMaxParallelism(options.maxParallelism);
    this.clock = options.clock ?? new SystemClock();
    this.cluster = options.cluster;
    this.bufferTimeoutMs = options.bufferTimeoutMs ?? 5;
    this.userCodeBudgetMs = options.userCodeBudgetMs ?? 10_000;
    checkArgument(Number.isFinite(this.bufferTimeoutMs) && this.bufferTimeoutMs >= 0, `[eddy] bufferTimeoutMs must be >= 0 ms, got ${this.bufferTimeoutMs}`);
    checkArgument(Number.isFinite(this.userCodeBudgetMs) && this.userCodeBudgetMs >= 0, `[eddy] userCodeBudgetMs must be >= 0 ms, got ${this.userCodeBudgetMs}`);
    this.config = {
      autoWatermarkInterval: options.autoWatermarkInterval ?? 200,
      batchSize: options.batchSize ?? 512,
      channelCapacity: options.channelCapacity ?? 4,
      chaining: options.chaining ?? true,
    };
    checkArgument(this.config.autoWatermarkInterval >= 0, `[eddy] autoWatermarkInterval must be >= 0 ms, got ${this.config.autoWatermarkInterval}`);
    checkArgument(Number.isInteger(this.config.batchSize) && this.config.batchSize >= 1, `[eddy] batchSize must be an integer >= 1, got ${this.config.batchSize}`);
    checkArgument(Number.isInteger(this.config.channelCapacity) && this.config.channelCapacity >= 1, `[eddy] channelCapacity must be an integer >= 1, got ${this.config.channelCapacity}`);
  }

  /** Creates an environment that runs jobs in this isolate. */
  static create(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /** Flink's name for {@link create}. */
  static getExecutionEnvironment(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  setParallelism(parallelism: number): this {
    checkArgument(Number.isInteger(parallelism) && parallelism >= 1, `[eddy] parallelism must be an integer >= 1, got ${parallelism}`);
    this.parallelism = parallelism;
    return this;
  }

  getParallelism(): number {
    return this.parallelism;
  }

  setMaxParallelism(maxParallelism: number): this {
    checkArgument(Number.isInteger(maxParallelism) && maxParallelism >= 1 && maxParallelism <= 32768, `[eddy] maxParallelism must be an integer in [1, 32768], got ${maxParallelism}`);
    this.maxParallelism = maxParallelism;
    return this;
  }

  getConfig(): ExecutionConfig {
    return this.config;
  }

  /**
   * Takes a checkpoint every `intervalMs` (exactly-once by default).
   *
   * @example
   * env.enableCheckpointing(1_000, { mode: "EXACTLY_ONCE", unaligned: false, timeout: 60_000 });
   */
  enableCheckpointing(intervalMs: number, options: CheckpointingOptions = {}): this {
    this.checkpointing = checkpointConfig(intervalMs, options);
    return this;
  }

  /** The checkpoint configuration, when checkpointing is enabled. */
  getCheckpointConfig(): CheckpointConfig | undefined {
    return this.checkpointing;
  }

  /**
   * How failures are handled. Default: no restart without checkpointing; with checkpointing,
   * exponential delay from 1 s to 1 min (Flink's default).
   */
  setRestartStrategy(strategy: RestartStrategy): this {
    checkArgument(strategy !== null && typeof strategy === "object" && typeof strategy.start === "function", "[eddy] setRestartStrategy needs a strategy from RestartStrategies");
    this.restartStrategy = strategy;
    return this;
  }

  /**
   * Starts the next job from a savepoint or checkpoint: its location (as returned by
   * `triggerSavepoint`) or the checkpoint itself.
   */
  setSavepointRestore(savepoint: string | CompletedCheckpoint, options: { allowNonRestoredState?: boolean } = {}): this {
    const allowNonRestoredState = options.allowNonRestoredState ?? false;
    this.restore = typeof savepoint === "string" ? { kind: "location", location: savepoint, allowNonRestoredState } : { kind: "checkpoint", checkpoint: savepoint, allowNonRestoredState };
    return this;
  }

  /**
   * Builds the job a module exports on this environment: `ref.export` of `ref.module` is called
   * with `(env, ref.params)` and may return a stream (collect it with `executeAndCollect()`).
   * On a cluster every TaskManager builds the job the same way, so the builder must build the
   * same graph each time and keep its side effects (files, connections) to the operators it
   * creates. `load` finds the module where it cannot be imported at run time (a bundle's table
   * of modules on workerd).
   *
   * @example
   * // jobs/page-counts.ts: export function pageCounts(env, { rate }) { env.fromGenerator(...)...print(); }
   * const env = StreamExecutionEnvironment.create({ parallelism: 4, cluster: await workerCluster({ taskManagers: 2, slotsPerTaskManager: 2 }) });
   * await env.build({ module: new URL("./jobs/page-counts.ts", import.meta.url).href, export: "pageCounts", params: { rate: 1000 } });
   * await env.execute("page counts");
   */
  async build<T = unknown>(ref: JobReference, load?: ModuleLoader): Promise<DataStream<T> | undefined> {
    checkArgument(ref !== null && typeof ref === "object" && typeof ref.module === "string" && typeof ref.export === "string", "[eddy] build needs { module, export, params? }");
    let module: Record<string, unknown>;
    try {
      module = load !== undefined ? await load(ref.module) : ((await import(/* @vite-ignore */ ref.module)) as Record<string, unknown>);
    } catch (error) {
      const why = typeof (error as { message?: unknown })?.message === "string" ? (error as { message: string }).message : String(error);
      throw new EddyError(`[eddy] the job module ${ref.module} could not be loaded: ${why}`, { code: "INVALID_JOB", domain: "user", retryable: false, cause: error });
    }
    const builder = module[ref.export];
    if (typeof builder !== "function") {
      throw new EddyError(`[eddy] the job module ${ref.module} has no export "${ref.export}" that builds a job: expected a function (env, params) => DataStream | void`, { code: "INVALID_JOB", domain: "user", retryable: false });
    }
    const returned: unknown = await builder(this, ref.params);
    const stream = returned instanceof DataStream ? (returned as DataStream<T>) : undefined;
    this.built = { reference: ref, stream: stream as DataStream<unknown> | undefined, collect: false };
    return stream;
  }

  /** @internal `executeAndCollect` on `stream`: on a cluster only the stream the builder returned can be collected. */
  collecting(stream: DataStream<unknown>): void {
    if (this.built === undefined) return;
    if (this.built.stream !== stream) {
      throw new EddyError("[eddy] executeAndCollect on a job built from a module collects only the stream its builder returned", { code: "INVALID_JOB", domain: "user", retryable: false });
    }
    this.built.collect = true;
  }

  /** The settings TaskManagers rebuild the job with. */
  private settings(): EnvironmentSettings {
    return {
      parallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
      autoWatermarkInterval: this.config.autoWatermarkInterval,
      batchSize: this.config.batchSize,
      channelCapacity: this.config.channelCapacity,
      chaining: this.config.chaining,
      bufferTimeoutMs: this.bufferTimeoutMs,
    };
  }

  /** Turns operator chaining off (every operator its own task). */
  disableOperatorChaining(): this {
    this.config.chaining = false;
    return this;
  }

  /** A stream from a FLIP-27 source, with its watermark strategy. */
  fromSource<T>(source: Source<T, any, any>, watermarkStrategy: WatermarkStrategy<T>, sourceName?: string): DataStream<T> {
    checkArgument(source !== null && typeof source === "object" && typeof source.createReader === "function" && typeof source.createEnumerator === "function", "[eddy] fromSource needs a Source with createEnumerator and createReader");
    checkArgument(watermarkStrategy instanceof WatermarkStrategy, "[eddy] fromSource needs a WatermarkStrategy, e.g. WatermarkStrategy.noWatermarks()");
    checkArgument(
      watermarkStrategy.timestampAssignerProvider === undefined,
      "[eddy] fromSource: a timestamp assigner that is an OperatorProvider runs as an operator; pass WatermarkStrategy.noWatermarks() here and call assignTimestampsAndWatermarks(strategy) on the stream",
    );
    const node = this.streamGraph.addNode({
      name: `Source: ${sourceName ?? source.name ?? "Source"}`,
      uid: undefined,
      kind: "source",
      pact: "Data Source",
      parallelism: undefined,
      maxParallelism: undefined,
      source: { source, watermarkStrategy },
      keySelectors: undefined,
      chaining: "head",
    });
    return new DataStream<T>(this, [{ nodeId: node.id, tag: undefined, partitioner: { kind: "auto" } }]);
  }

  /** A bounded stream of the given items, in order (parallelism 1, as Flink's fromCollection). */
  fromCollection<T>(items: Iterable<T>, watermarkStrategy: WatermarkStrategy<T> = WatermarkStrategy.noWatermarks<T>()): DataStream<T> {
    checkArgument(items !== null && items !== undefined && typeof (items as Iterable<T>)[Symbol.iterator] === "function", "[eddy] fromCollection needs an iterable");
    return this.fromSource(new CollectionSource<T>([...items]), watermarkStrategy, "Collection Source").setParallelism(1);
  }

  /** A bounded stream of the given elements. */
  fromElements<T>(...items: T[]): DataStream<T> {
    return this.fromCollection(items);
  }

  /** A seeded generator: bounded with `count`, rate-limited with `ratePerSecond`, optionally disordered in event time. */
  fromGenerator<T>(options: GeneratorSourceOptions<T>, watermarkStrategy: WatermarkStrategy<T> = WatermarkStrategy.noWatermarks<T>(), name = "Generator Source"): DataStream<T> {
    return this.fromSource(new GeneratorSource<T>(options), watermarkStrategy, name);
  }

  /** The plan as JSON: operators with ship strategies, chained vertices, subtasks. */
  getExecutionPlan(): string {
    return JSON.stringify(executionPlan(new ExecutionGraph(this.buildJobGraph(this.streamGraph))), null, 2);
  }

  /** @internal */
  buildJobGraph(graph: StreamGraph): JobGraph {
    if (graph.nodes.size === 0) throw new EddyError("[eddy] the job has no operators: add a source and a sink", { code: "INVALID_JOB", domain: "user" });
    const sinks = [...graph.nodes.values()].filter((n) => n.pact === "Data Sink");
    if (sinks.length === 0) {
      throw new EddyError("[eddy] the job has no sink: add print(), sinkTo(sink) or use executeAndCollect()", { code: "INVALID_JOB", domain: "user" });
    }
    return createJobGraph(graph, { parallelism: this.parallelism, maxParallelism: this.maxParallelism, chaining: this.config.chaining });
  }

  /**
   * Builds the job and its executor without running it: for `step()` / `runUntilIdle()` in tests,
   * or to start it later. `jobId` keeps a given id (a job resumed after its host restarted, as
   * Flink's fixed job id); by default the id is random.
   */
  prepare(jobName = "job", options: { jobId?: string } = {}): JobClient {
    checkArgument(options.jobId === undefined || (typeof options.jobId === "string" && options.jobId !== ""), "[eddy] prepare: jobId must be a non-empty string");
    const graph = this.streamGraph;
    this.streamGraph = new StreamGraph("job");
    graph.jobName = jobName;
    const job = this.buildJobGraph(graph);
    const jobId = options.jobId ?? randomHexId();
    const built = this.built;
    this.built = undefined;
    const cluster = this.cluster;
    let execution: ExecutionFactory | undefined;
    if (cluster !== undefined) {
      if (built === undefined) {
        throw new EddyError("[eddy] this environment runs jobs on a cluster of TaskManagers, which build each job themselves: build it with env.build({ module: import.meta.url, export: \"<builder>\" }) instead of in place", {
          code: "INVALID_JOB",
          domain: "user",
          retryable: false,
        });
      }
      const clusterJob = { jobId, jobName, reference: built.reference, environment: this.settings(), collect: built.collect, userCodeBudgetMs: this.userCodeBudgetMs };
      execution = (g, o) => new ClusterExecution(g, o, cluster, clusterJob);
    }
    const master = new JobMaster({
      jobName,
      graph: new ExecutionGraph(job),
      executor: {
        clock: this.clock,
        batchSize: this.config.batchSize,
        channelCapacity: this.config.channelCapacity,
        autoWatermarkInterval: this.config.autoWatermarkInterval,
        metricsIntervalMs: 1000,
        bufferTimeoutMs: this.bufferTimeoutMs,
      },
      checkpointing: this.checkpointing,
      restartStrategy:
        this.restartStrategy ??
        (this.checkpointing === undefined ? RestartStrategies.noRestart() : RestartStrategies.exponentialDelay({ initialBackoffMs: 1_000, maxBackoffMs: 60_000 })),
      restore: this.restore,
      ...(execution !== undefined ? { execution } : {}),
    });
    return new JobClient(jobId, jobName, master);
  }

  /** Starts the job and returns a client to watch or cancel it. */
  executeAsync(jobName = "job"): JobClient {
    const client = this.prepare(jobName);
    client.start();
    return client;
  }

  /** Runs the job; resolves when it finishes (bounded sources) and rejects with the failure cause. */
  async execute(jobName = "job"): Promise<JobExecutionResult> {
    return this.executeAsync(jobName).getJobExecutionResult();
  }
}
