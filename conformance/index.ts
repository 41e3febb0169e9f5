/** @module Eddy's conformance suite: the same scenarios, with independently computed expected outputs, run on every runtime. */
import { type Cluster, type DataStream, StreamExecutionEnvironment } from "../core/index.ts";
import { compareOutputs } from "./compare.ts";
import type { Scenario } from "./scenario.ts";

export type { Scenario, TimedEvent } from "./scenario.ts";
export { canonical, compareOutputs, type Comparison } from "./compare.ts";
export { SeededRandom, hashToUnit } from "./random.ts";

/**
 * Scenario modules, loaded lazily: a scenario whose API is missing fails alone instead of
 * taking the whole suite down, and a filtered run loads only what it runs.
 */
const loaders: Readonly<Record<string, () => Promise<{ default: Scenario<any> }>>> = {
  "map-filter-flatmap": () => import("./scenarios/map-filter-flatmap.ts"),
  "keyed-reduce": () => import("./scenarios/keyed-reduce.ts"),
  "tumbling-event-time": () => import("./scenarios/tumbling-event-time.ts"),
  "sliding-event-time": () => import("./scenarios/sliding-event-time.ts"),
  "session-event-time": () => import("./scenarios/session-event-time.ts"),
  "tumbling-allowed-lateness": () => import("./scenarios/tumbling-allowed-lateness.ts"),
  "global-window-count-trigger": () => import("./scenarios/global-window-count-trigger.ts"),
  union: () => import("./scenarios/union.ts"),
  "connect-coprocess": () => import("./scenarios/connect-coprocess.ts"),
  "side-outputs": () => import("./scenarios/side-outputs.ts"),
  "keyed-process-timers": () => import("./scenarios/keyed-process-timers.ts"),
  "interval-join": () => import("./scenarios/interval-join.ts"),
  "generator-source": () => import("./scenarios/generator-source.ts"),
  "window-join": () => import("./scenarios/window-join.ts"),
  "keyed-state-kinds": () => import("./scenarios/keyed-state-kinds.ts"),
  "keyed-connect-state": () => import("./scenarios/keyed-connect-state.ts"),
  partitioners: () => import("./scenarios/partitioners.ts"),
  "count-window-and-window-all": () => import("./scenarios/count-window-and-window-all.ts"),
};

/** Names of all scenarios, in the order they run. */
export const scenarioNames: readonly string[] = Object.keys(loaders);

/** Loads one scenario by name. */
export async function loadScenario(name: string): Promise<Scenario> {
  const load = loaders[name];
  if (load === undefined) throw new Error(`[eddy] no conformance scenario "${name}"; expected one of ${scenarioNames.join(", ")}`);
  const module = await load();
  return module.default;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why it failed: the difference from the expected output, or the error thrown. */
  readonly error?: string;
}

/** The outcome of a run. */
export interface ConformanceSummary {
  readonly passed: number;
  readonly failed: number;
  readonly results: ScenarioResult[];
}

/** Options for {@link runConformance}. */
export interface ConformanceOptions {
  /** A substring of scenario names, a RegExp, or a predicate. Default: all. */
  readonly filter?: string | RegExp | ((name: string) => boolean);
  /** Called after each scenario, e.g. to print a line. */
  readonly reporter?: (result: ScenarioResult) => void;
  /** A scenario still running after this long fails (its job is abandoned). Default 30 s. */
  readonly timeoutMs?: number;
  /** The clock for durations; workerd's only advances across I/O. Default `Date.now`. */
  readonly now?: () => number;
  /** Runs every scenario on these TaskManagers (default: in this isolate). */
  readonly cluster?: Cluster;
}

/**
 * Runs a scenario's job and returns its output: in this isolate, or on `cluster`, where every
 * TaskManager builds it from this module ({@link scenarioJob}).
 */
export async function runScenario(scenario: Scenario, cluster?: Cluster): Promise<unknown[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: scenario.parallelism, ...(cluster !== undefined ? { cluster } : {}) });
  const stream = cluster === undefined ? scenario.build(env) : await env.build({ module: import.meta.url, export: "scenarioJob", params: { name: scenario.name } });
  return stream!.executeAndCollect(scenario.name);
}

/** The job builder of a scenario by name, for TaskManagers in other isolates. */
export async function scenarioJob(env: StreamExecutionEnvironment, params: { name: string }): Promise<DataStream<unknown>> {
  return (await loadScenario(params.name)).build(env);
}

/**
 * Runs the scenarios one after another and reports each.
 *
 * @example
 * const summary = await runConformance({ reporter: (r) => console.log(r.ok ? "ok" : "FAIL", r.name) });
 */
export async function runConformance(options: ConformanceOptions = {}): Promise<ConformanceSummary> {
  const now = options.now ?? Date.now;
  const results: ScenarioResult[] = [];
  for (const name of scenarioNames.filter(matcher(options.filter))) {
    const started = now();
    let error: string | undefined;
    try {
      const scenario = await loadScenario(name);
      const actual = await withTimeout(runScenario(scenario, options.cluster), options.timeoutMs ?? 30_000, name);
      error = compareOutputs(actual, scenario.expected(), scenario.compare);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const result: ScenarioResult =
      error === undefined
        ? { name, ok: true, durationMs: now() - started }
        : { name, ok: false, durationMs: now() - started, error };
    results.push(result);
    options.reporter?.(result);
  }
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed, results };
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
