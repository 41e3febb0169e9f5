/**
 * What the WebAssembly scenarios share: the example components (operators-wasm/guests, one per
 * world) handed to the run, `eddy/wasm` loaded only where components can run, seeded input
 * lines, and each guest's logic written again in plain TypeScript to compute the expectations.
 * On a Durable Object deployment, where workerd cannot compile a component's bytes, the jobs name
 * the example components the deployment's bundle holds instead.
 */
import { bundledComponent } from "../adapters/workerd/bundled-components.ts";
import type { WasmOptions } from "../operators-wasm/index.ts";
import { WasmFunction } from "../operators-wasm/host/wasm-function.ts";
import { expectOutput } from "./checks.ts";
import type { Comparison } from "./compare.ts";
import { jobFinished, jobResults, submitJob } from "./deployment.ts";
import { importLazily } from "./runtime.ts";
import { SeededRandom } from "./random.ts";
import type { RunScenario, ScenarioContext } from "./scenario.ts";

/** The example guests the scenarios use, by world. */
export const GUESTS = {
  map: "uppercase-map",
  filter: "filter-comments",
  flatMap: "split-words",
  keySelector: "first-word-key",
  timestampExtractor: "leading-timestamp",
  keyedProcess: "keyed-running-sum",
  windowAggregate: "window-sum",
} as const;

/** Why a scenario using the component `guest` cannot run in `context`, if it cannot. */
export function componentMissing(context: ScenarioContext, guest: string): string | undefined {
  if (context.runtime === "workerd") return "workerd cannot compile WebAssembly at run time: components are bundled into the Worker when it is deployed";
  if (context.components === undefined) return "no example components were given to this run (eddy conformance builds them from operators-wasm/guests, or takes --components DIR)";
  if (!context.components.has(guest)) return `the example component "${guest}" was not given to this run`;
  return undefined;
}

/** The component `guest` of the run (checked by {@link componentMissing}). */
export function component(context: ScenarioContext, guest: string): Uint8Array {
  return context.components!.get(guest)!;
}

/** A component as a job gets it: its bytes, or the name of one compiled into the Worker's bundle. */
export type ComponentRef = Uint8Array | string;

/**
 * `wasm(bytes, options)` from eddy/wasm, loaded on first use (jco does not load on workerd); or,
 * given a name, the component compiled into the Worker's bundle under it.
 */
export async function wasmFunction(component: ComponentRef, options: WasmOptions): Promise<WasmFunction> {
  if (typeof component === "string") return new WasmFunction(bundledComponent(component), options);
  const api = await importLazily<typeof import("../operators-wasm/index.ts")>("../operators-wasm/index");
  return api.wasm(component, options);
}

/** What {@link wasmScenario} makes a scenario of. */
export interface WasmScenarioOptions<T> {
  readonly name: string;
  readonly description: string;
  /** The export of the scenario's module that builds the job from `{ [param]: component }`. */
  readonly job: string;
  /** The example guest each parameter of the job is. */
  readonly guests: Readonly<Record<string, string>>;
  /** The output, computed from the guests' logic written in TypeScript. */
  expected(): T[];
  readonly compare: Comparison<T>;
  /** What the output is, for failure messages. */
  readonly what: string;
}

/**
 * A WebAssembly scenario: its job at parallelism 2 with the example components, its output
 * compared with the expectation; on a Durable Object deployment the job is submitted over HTTP
 * and names the components the deployment bundled.
 */
export function wasmScenario<T>(o: WasmScenarioOptions<T>): RunScenario {
  const guests = Object.entries(o.guests);
  return {
    name: o.name,
    description: o.description,
    skip: (context) => guests.map(([, guest]) => componentMissing(context, guest)).find((why) => why !== undefined),
    async run(context) {
      const env = context.environment({ parallelism: 2 });
      const stream = await context.build<T>(env, o.job, Object.fromEntries(guests.map(([param, guest]) => [param, component(context, guest)])));
      expectOutput(await stream!.executeAndCollect(o.name), o.expected(), o.compare, o.what);
    },
    async durableObjects(deployment) {
      const missing = guests.find(([, guest]) => !deployment.components.includes(guest));
      if (missing !== undefined) return `the example component "${missing[1]}" was not bundled into the deployment (eddy conformance builds them from operators-wasm/guests, or takes --components DIR)`;
      const id = await submitJob(deployment, { scenario: o.name, job: o.job, params: o.guests, parallelism: 2 });
      await jobFinished(deployment.api, id);
      expectOutput(await jobResults(deployment.api, id), o.expected(), o.compare, o.what);
      return undefined;
    },
  };
}

const WORDS = ["alpha", "Beta", "gamma", "#note", "déjà", "vu", "日本", "zeta", "x", "Émile"];

/** Seeded lines of 0 to 4 words (some empty, some comments, some not ASCII), with single or double spaces. */
export function sampleLines(seed: number, count: number): string[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const words = Array.from({ length: random.int(0, 4) }, () => random.pick(WORDS));
    return words.join(random.chance(0.2) ? "  " : " ");
  });
}

/** uppercase-map: ASCII a-z uppercased, every other character unchanged. */
export const upperAscii = (s: string): string => s.replace(/[a-z]/g, (c) => c.toUpperCase());

/** filter-comments: not empty, not starting with '#'. */
export const notComment = (s: string): boolean => s.length > 0 && !s.startsWith("#");

/** split-words: the words between single spaces, empty ones dropped. */
export const words = (s: string): string[] => s.split(" ").filter((w) => w.length > 0);

/** first-word-key: everything before the first space. */
export const firstWord = (s: string): string => s.split(" ")[0]!;

/** leading-timestamp: the decimal number the line starts with. */
export const leadingNumber = (s: string): number => Number(/^[0-9]+/.exec(s)![0]);
