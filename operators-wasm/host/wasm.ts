/**
 * `wasm(component)`: a component (bytes or compiled) as a function for the DataStream API.
 */
import { compileComponent } from "./load.ts";
import type { CompiledComponent } from "./instance.ts";
import { sniffComponentWorld } from "./sniff-world.ts";
import { WasmFunction, type WasmFunctionOptions } from "./wasm-function.ts";
import type { WorldName } from "./worlds.ts";

/** Options of {@link wasm}. */
export interface WasmOptions extends WasmFunctionOptions {
  /** Refuse the component unless it targets this world. */
  world?: WorldName;
  /** Linear-memory cap for components given as bytes (default 64 MiB). */
  memoryLimitBytes?: number;
}

/**
 * A WebAssembly component of `eddy:operator@0.1.0` as a user function: pass it to `map`,
 * `filter`, `flatMap`, `keyBy`, `withTimestampAssigner`, `KeyedStream.process` or
 * `WindowedStream.aggregate`, according to its world. Bytes are checked for a world at once
 * (a component of the wrong world is refused while the job is built) and compiled when the job
 * starts, once for all subtasks; pass a `CompiledComponent` (from `compileComponent`, or a
 * deploy-time bundle on workerd) to skip that.
 * @example
 * const upper = wasm(await readFile("upper.wasm"), { name: "upper" });
 * const out = await env.fromCollection(["a", "b"]).map(upper).executeAndCollect();
 */
export function wasm(component: Uint8Array | CompiledComponent, options: WasmOptions = {}): WasmFunction {
  if (component instanceof Uint8Array) {
    const bytes = component;
    const name = options.name ?? "component";
    const world = sniffComponentWorld(bytes, name);
    const fn = new WasmFunction({ world, name, compile: () => compileComponent(bytes, { name, expectWorld: world, memoryLimitBytes: options.memoryLimitBytes }) }, options);
    if (options.world !== undefined) fn.checkWorld(options.world);
    return fn;
  }
  const fn = new WasmFunction(component, options);
  if (options.world !== undefined) fn.checkWorld(options.world);
  return fn;
}
