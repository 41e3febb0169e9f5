/**
 * What the WebAssembly scenarios share: the example components (operators-wasm/guests, one per
 * world) handed to the run, `eddy/wasm` loaded only where components can run, seeded input
 * lines, and each guest's logic written again in plain TypeScript to compute the expectations.
 */
import type { WasmFunction, WasmOptions } from "../operators-wasm/index.ts";
import { importLazily } from "./runtime.ts";
import { SeededRandom } from "./random.ts";
import type { ScenarioContext } from "./scenario.ts";

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

/** Why the WebAssembly scenarios do not run on a Durable Object deployment. */
export const NO_COMPONENTS_ON_DURABLE_OBJECTS =
  "workerd cannot compile WebAssembly at run time, and these jobs get their component's bytes when they are submitted; a Durable Object deployment runs only components compiled into its bundle (eddy bundle --component), which job specs name (the edge tests run them)";

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

/** `wasm(bytes, options)` from eddy/wasm, loaded on first use (jco does not load on workerd). */
export async function wasmFunction(bytes: Uint8Array, options: WasmOptions): Promise<WasmFunction> {
  const api = await importLazily<typeof import("../operators-wasm/index.ts")>("../operators-wasm/index");
  return api.wasm(bytes, options);
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
