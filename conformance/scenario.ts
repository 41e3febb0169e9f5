/**
 * What a conformance scenario is. Most are a job built with Eddy's public API and its expected
 * output computed independently, by plain loops over the same seeded input (`Scenario`). Those
 * that need more than build-and-collect (failures, restores, savepoints, a manual clock, a
 * broker) drive their jobs themselves (`RunScenario`) through a {@link ScenarioContext}.
 */
import type { Cluster, DataStream, EnvironmentOptions, StreamExecutionEnvironment } from "../core/index.ts";
import type { Comparison } from "./compare.ts";
import type { HttpApi } from "./http/api.ts";

/** One scenario of the shared suite. `run` and `expected` must be deterministic. */
export interface Scenario<T = unknown> {
  /** Unique, kebab-case; used by `--filter`. */
  readonly name: string;
  /** The Flink behaviour the scenario pins down, in one sentence. */
  readonly description: string;
  /** The environment's default parallelism. */
  readonly parallelism: number;
  /**
   * Builds the job on `env` and returns the stream whose records are compared. It runs in every
   * TaskManager of a cluster too, so it builds the same graph each time.
   */
  build(env: StreamExecutionEnvironment): DataStream<any>;
  /** The output Flink's semantics call for, computed without Eddy. */
  expected(): T[];
  /** How outputs are compared; parallel jobs emit in no fixed order. */
  readonly compare: Comparison<T>;
}

/**
 * A scenario that runs its own jobs: it builds them through `context`, drives them (fails,
 * restores, stops, steps a manual clock), and throws a {@link ScenarioFailure} naming the
 * difference from what Flink's semantics call for, computed without Eddy.
 */
export interface RunScenario {
  /** Unique, kebab-case; used by `--filter`. */
  readonly name: string;
  /** The behaviour the scenario pins down, in one sentence. */
  readonly description: string;
  /** Why the scenario cannot run in `context` (a reason a user would accept), or undefined when it can. */
  skip?(context: ScenarioContext): string | undefined;
  /** Runs and checks; resolves when the behaviour is right. */
  run(context: ScenarioContext): Promise<void>;
  /**
   * The scenario on a Durable Object deployment, where jobs are submitted over its HTTP API (the
   * jobs its module exports, bundled into the Worker) and watched through it; it resolves with
   * why it could not run in this deployment, if it could not. As a string: why it cannot run on
   * Durable Objects at all. Either reason is one a user would accept.
   */
  readonly durableObjects: ((deployment: DeploymentContext) => Promise<string | undefined | void>) | string;
}

/** Either kind of scenario. */
export type AnyScenario = Scenario<any> | RunScenario;

/** The runtimes Eddy runs on. */
export type RuntimeName = "node" | "deno" | "bun" | "workerd";

/** What a {@link RunScenario} gets: where it runs, what it may use, and how to build its jobs. */
export interface ScenarioContext {
  /** The runtime running the scenario. */
  readonly runtime: RuntimeName;
  /** TaskManagers in other isolates the jobs run on; undefined: the local TaskManager (this isolate). */
  readonly cluster: Cluster | undefined;
  /**
   * The example components of operators-wasm/guests by guest name (`uppercase-map`, ...), where
   * the runtime compiles WebAssembly at run time and they were given to the runner.
   */
  readonly components: ReadonlyMap<string, Uint8Array> | undefined;
  /** Bootstrap servers of a Kafka broker the scenario may use (its topics are its own), if any. */
  readonly kafka: readonly string[] | undefined;
  /** A fresh, empty directory on disk, removed after the scenario; undefined where there is no file system (workerd). */
  readonly tempDir: (() => Promise<string>) | undefined;
  /** Differs between runs: for names that live outside the job (Kafka topics, transactional ids). */
  readonly runId: string;
  /** A new environment; on {@link cluster} when there is one. */
  environment(options?: EnvironmentOptions): StreamExecutionEnvironment;
  /**
   * Builds the job the scenario's module exports as `job` on `env`, with `params`: called here on
   * the local TaskManager, and imported and called by every TaskManager of a cluster (then
   * `params` must be structured-cloneable).
   */
  build<T = unknown>(env: StreamExecutionEnvironment, job: string, params?: unknown): Promise<DataStream<T> | undefined>;
}

/**
 * A webhook receiver the runner serves beside a deployment. It takes each idempotency key's
 * records once, as a receiver of an exactly-once webhook sink must.
 */
export interface WebhookReceiver {
  /** Where a webhook sink posts. */
  readonly url: string;
  /** Every record taken, once per key. */
  readonly records: unknown[];
  /** The records taken under each idempotency key. */
  readonly byKey: ReadonlyMap<string, readonly unknown[]>;
  /** Requests under a known key whose records differ from the first ones (a broken exactly-once). */
  readonly conflicting: number;
  /** Requests without an idempotency key. */
  readonly withoutKey: number;
  /** Requests it answered 503 (see {@link DeploymentContext.receiver}). */
  readonly refused: number;
  close(): Promise<void>;
}

/** What a {@link RunScenario} gets on a Durable Object deployment. */
export interface DeploymentContext {
  /** The deployment's HTTP API. */
  readonly api: HttpApi;
  /** Differs between runs: for names that live outside the deployment (idempotency keys). */
  readonly runId: string;
  /** The example components (operators-wasm/guests) compiled into the deployment's bundle, by guest name. */
  readonly components: readonly string[];
  /**
   * A new webhook receiver the deployment can reach, closed after the scenario; with `refuse`,
   * it answers that request (counted from 1) 503 and takes nothing from it.
   */
  receiver(options?: { readonly refuse?: number }): Promise<WebhookReceiver>;
}

/** A scenario's verdict that the behaviour differs from the expected one; the message names the difference. */
export class ScenarioFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioFailure";
  }
}

/** An event of the timed scenarios. */
export interface TimedEvent {
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}
