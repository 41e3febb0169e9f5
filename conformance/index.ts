/** @module Eddy's conformance suite: the same scenarios, with independently computed expected outputs, run on every runtime. */
import { type Cluster, type DataStream, StreamExecutionEnvironment } from "../core/index.ts";
import { loadScenarioModule, scenarioNames } from "./catalog.ts";
import { compareOutputs } from "./compare.ts";
import { type ScenarioJobParams, type TempDirectories, buildScenarioJob, createScenarioContext } from "./context.ts";
import { detectRuntime } from "./runtime.ts";
import type { AnyScenario, RuntimeName, Scenario } from "./scenario.ts";

export type { AnyScenario, DeploymentContext, RunScenario, RuntimeName, Scenario, ScenarioContext, TimedEvent, WebhookReceiver } from "./scenario.ts";
export { ScenarioFailure } from "./scenario.ts";
export type { ScenarioJobParams, TempDirectories } from "./context.ts";
export { canonical, compareOutputs, type Comparison } from "./compare.ts";
export { check, expectOutput, waitUntil } from "./checks.ts";
export { SeededRandom, hashToUnit } from "./random.ts";
export { detectRuntime } from "./runtime.ts";
export { scenarioNames } from "./catalog.ts";
// Built on a Durable Object deployment by name, for the savepoint portability matrix.
export { portableJob } from "./portability.ts";

/** Loads one scenario by name. */
export async function loadScenario(name: string): Promise<AnyScenario> {
  return (await loadScenarioModule(name)).default;
}

/** Whether a scenario passed, failed, or does not apply where it ran. */
export type ScenarioStatus = "passed" | "failed" | "skipped";

/** The outcome of one scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly status: ScenarioStatus;
  readonly durationMs: number;
  /** Why it failed: the difference from the expected output, or the error thrown. */
  readonly error?: string;
  /** Why it was skipped: what the runtime or the run lacks. */
  readonly reason?: string;
}

/** The outcome of a run. */
export interface ConformanceSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly results: ScenarioResult[];
}

/** Options for {@link runConformance}. */
export interface ConformanceOptions {
  /** A substring of scenario names, a RegExp, or a predicate. Default: all. */
  readonly filter?: string | RegExp | ((name: string) => boolean);
  /** Called after each scenario, e.g. to print a line. */
  readonly reporter?: (result: ScenarioResult) => void;
  /** A scenario still running after this long fails (its job is abandoned). Default 60 s. */
  readonly timeoutMs?: number;
  /** The clock for durations; workerd's only advances across I/O. Default `Date.now`. */
  readonly now?: () => number;
  /** Runs every scenario on these TaskManagers (default: in this isolate). */
  readonly cluster?: Cluster;
  /** The runtime running the suite (default: detected). */
  readonly runtime?: RuntimeName;
  /** The example components of operators-wasm/guests by guest name; without them the WebAssembly scenarios are skipped. */
  readonly components?: ReadonlyMap<string, Uint8Array>;
  /** Bootstrap servers of a Kafka broker the Kafka scenarios may use; without them they are skipped. */
  readonly kafka?: readonly string[];
  /** Directories on disk, for the scenarios that need files shared between isolates (worker TaskManagers). */
  readonly tempDirectories?: TempDirectories;
}

/**
 * Runs a build-and-collect scenario's job and returns its output: in this isolate, or on
 * `cluster`, where every TaskManager builds it from this module ({@link scenarioJob}).
 */
export async function runScenario(scenario: Scenario, cluster?: Cluster): Promise<unknown[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: scenario.parallelism, ...(cluster !== undefined ? { cluster } : {}) });
  const stream = cluster === undefined ? scenario.build(env) : await env.build({ module: import.meta.url, export: "scenarioJob", params: { name: scenario.name } });
  return stream!.executeAndCollect(scenario.name);
}

/** The job builder of a scenario by name (and job export), for TaskManagers in other isolates. */
export async function scenarioJob(env: StreamExecutionEnvironment, params: ScenarioJobParams): Promise<DataStream<unknown> | undefined> {
  return buildScenarioJob(env, params);
}

/**
 * Runs the scenarios one after another and reports each: passed, failed (with the difference),
 * or skipped (with the reason it does not apply here).
 *
 * @example
 * const summary = await runConformance({ reporter: (r) => console.log(r.status, r.name, r.error ?? r.reason ?? "") });
 */
export async function runConformance(options: ConformanceOptions = {}): Promise<ConformanceSummary> {
  const now = options.now ?? Date.now;
  const runtime = options.runtime ?? detectRuntime();
  const results: ScenarioResult[] = [];
  // Differs between runs (names outside the job, such as Kafka topics); no randomness needed.
  const runId = `${runtime}-${options.cluster !== undefined ? "tm-" : ""}${now().toString(36)}`;
  for (const name of scenarioNames.filter(matcher(options.filter))) {
    const started = now();
    let error: string | undefined;
    let reason: string | undefined;
    const context = createScenarioContext({
      scenario: name,
      runtime,
      cluster: options.cluster,
      components: options.components,
      kafka: options.kafka,
      tempDirectories: options.tempDirectories,
      runId,
      jobModule: import.meta.url,
    });
    try {
      const scenario = await loadScenario(name);
      if ("run" in scenario) {
        reason = scenario.skip?.(context);
        if (reason === undefined) await withTimeout(scenario.run(context), options.timeoutMs ?? 60_000, name);
      } else {
        const actual = await withTimeout(runScenario(scenario, options.cluster), options.timeoutMs ?? 60_000, name);
        error = compareOutputs(actual, scenario.expected(), scenario.compare);
      }
    } catch (e) {
      error = e instanceof Error ? (e.name === "ScenarioFailure" ? e.message : `${e.name}: ${e.message}`) : String(e);
    } finally {
      await context.close();
    }
    const durationMs = now() - started;
    const result: ScenarioResult =
      error !== undefined
        ? { name, status: "failed", durationMs, error }
        : reason !== undefined
          ? { name, status: "skipped", durationMs, reason }
          : { name, status: "passed", durationMs };
    results.push(result);
    options.reporter?.(result);
  }
  const count = (status: ScenarioStatus) => results.filter((r) => r.status === status).length;
  return { passed: count("passed"), failed: count("failed"), skipped: count("skipped"), results };
}

function matcher(filter: ConformanceOptions["filter"]): (name: string) => boolean {
  if (filter === undefined || filter === "") return () => true;
  if (typeof filter === "string") return (name) => name.includes(filter);
  if (filter instanceof RegExp) return (name) => filter.test(name);
  return filter;
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`[eddy] scenario "${name}" did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
