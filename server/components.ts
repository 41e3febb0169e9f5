/**
 * WebAssembly components for job specs: reads an upload's world, compiles each artifact once
 * (the caller caches by id) and wraps it with operators-wasm's `wasm(component)`, so it plugs
 * into DataStream.map/filter/flatMap/keyBy, KeyedStream.process and WindowedStream.aggregate.
 * Records cross the boundary as JSON text (`values: "json"`).
 */
import type { OperatorProvider } from "../core/index.ts";
import { HttpError } from "./errors.ts";

/** The slice of `eddy/wasm` the server uses; workerd gets one that refuses run-time compilation. */
export interface ComponentRuntime {
  /** The world, imports and exports a component declares. */
  readWorld(bytes: Uint8Array, name: string): Promise<{ world: string | undefined; imports: string[]; exports: string[] }>;
  /** Checks and compiles a component (slow: cached per artifact by the caller). */
  compile(bytes: Uint8Array, name: string): Promise<unknown>;
  /** A compiled component as a user function of the DataStream API (one per operator). */
  provider(compiled: unknown, name: string): Promise<OperatorProvider>;
}

/** Components through operators-wasm, imported on first use (jco is large; workerd never loads it). */
export function defaultComponentRuntime(): ComponentRuntime {
  type WasmApi = typeof import("../operators-wasm/index.ts");
  let loaded: Promise<WasmApi> | undefined;
  // A computed specifier: bundlers for workerd leave it out (jco cannot run there anyway). Its
  // extension is this module's own: .ts in the sources, .js in the npm package's build.
  const specifier = ["..", "operators-wasm", `index${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`].join("/");
  const load = (): Promise<WasmApi> => (loaded ??= import(/* @vite-ignore */ new URL(specifier, import.meta.url).href) as Promise<WasmApi>);
  return {
    readWorld: async (bytes, name) => (await load()).readComponentWorld(bytes, name),
    compile: async (bytes, name) => (await load()).compileComponent(bytes, { name }),
    provider: async (compiled, name) => (await load()).wasm(compiled as never, { name, values: "json" }),
  };
}

/** For runtimes that cannot compile wasm at run time (workerd). */
export function unavailableComponentRuntime(reason: string): ComponentRuntime {
  const refuse = async (): Promise<never> => {
    throw new HttpError(501, `[eddy] WebAssembly components cannot be loaded here: ${reason}`);
  };
  return { readWorld: refuse, compile: refuse, provider: refuse };
}

/** The operator kinds of a spec's wasm operator. */
export type WasmKind = "map" | "filter" | "flatMap" | "keyBy" | "process" | "aggregate";

const WORLD_OF: Record<WasmKind, string> = {
  map: "map-operator",
  filter: "filter-operator",
  flatMap: "flat-map-operator",
  keyBy: "key-selector-operator",
  process: "keyed-process-operator",
  aggregate: "window-aggregate-operator",
};

/** The world a spec's `kind` needs. */
export function worldForKind(kind: WasmKind): string {
  return WORLD_OF[kind];
}
