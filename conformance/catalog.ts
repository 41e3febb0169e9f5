/**
 * Every scenario of the suite by name, loaded lazily: a scenario whose API is missing fails
 * alone instead of taking the whole suite down, and a filtered run loads only what it runs.
 * A scenario module's default export is the scenario; its other exports are the job builders
 * TaskManagers import by name (see ScenarioContext.build).
 */
import type { AnyScenario } from "./scenario.ts";

/** A scenario module: the scenario, and the jobs it builds on TaskManagers by export name. */
export type ScenarioModule = { readonly default: AnyScenario } & Readonly<Record<string, unknown>>;

const loaders: Readonly<Record<string, () => Promise<ScenarioModule>>> = {
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
  "checkpoint-restore-aligned": () => import("./scenarios/checkpoint-restore-aligned.ts"),
  "checkpoint-restore-unaligned": () => import("./scenarios/checkpoint-restore-unaligned.ts"),
  "checkpoint-restore-at-least-once": () => import("./scenarios/checkpoint-restore-at-least-once.ts"),
  "savepoint-stop-and-resume": () => import("./scenarios/savepoint-stop-and-resume.ts"),
  "rescale-on-restore": () => import("./scenarios/rescale-on-restore.ts"),
  "restart-strategies": () => import("./scenarios/restart-strategies.ts"),
  "exactly-once-sink-faults": () => import("./scenarios/exactly-once-sink-faults.ts"),
  "processing-time-windows": () => import("./scenarios/processing-time-windows.ts"),
  "processing-time-timers": () => import("./scenarios/processing-time-timers.ts"),
  "ingestion-time": () => import("./scenarios/ingestion-time.ts"),
  "source-idleness": () => import("./scenarios/source-idleness.ts"),
  "state-ttl": () => import("./scenarios/state-ttl.ts"),
  "wasm-map-filter-flat-map": () => import("./scenarios/wasm-map-filter-flat-map.ts"),
  "wasm-key-selector": () => import("./scenarios/wasm-key-selector.ts"),
  "wasm-timestamp-extractor": () => import("./scenarios/wasm-timestamp-extractor.ts"),
  "wasm-keyed-process": () => import("./scenarios/wasm-keyed-process.ts"),
  "wasm-window-aggregate": () => import("./scenarios/wasm-window-aggregate.ts"),
  "kafka-exactly-once": () => import("./scenarios/kafka-exactly-once.ts"),
};

/** Names of all scenarios, in the order they run. */
export const scenarioNames: readonly string[] = Object.keys(loaders);

/** Loads the module of the scenario `name`. */
export async function loadScenarioModule(name: string): Promise<ScenarioModule> {
  const load = loaders[name];
  if (load === undefined) throw new Error(`[eddy] no conformance scenario "${name}"; expected one of ${scenarioNames.join(", ")}`);
  return load();
}
