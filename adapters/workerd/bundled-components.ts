/**
 * The WebAssembly components compiled into a Worker's bundle (`eddy bundle --component`), for
 * jobs built from a bundled module: workerd cannot compile a component's bytes at run time, so a
 * builder names one the bundle holds and passes it to `wasm(...)`. Job specs name them too.
 */
import { EddyError } from "../../core/errors.ts";
import type { CompiledComponent } from "../../operators-wasm/host/instance.ts";
import type { BundledComponent } from "./spec-job.ts";

let bundled: readonly BundledComponent[] = [];

/** Makes `components` the ones {@link bundledComponent} finds (createEdgeWorker gives its own). */
export function registerBundledComponents(components: readonly BundledComponent[]): void {
  bundled = components;
}

/**
 * The component compiled into this Worker's bundle under `name` (its file name, base name or
 * sha256, as `eddy bundle` names it), for `wasm(...)` in a job module's builder.
 *
 * @example
 * import type { StreamExecutionEnvironment } from "eddy";
 * import { wasm } from "eddy/wasm";
 * import { bundledComponent } from "eddy/workerd";
 * export const upper = (env: StreamExecutionEnvironment) => env.fromCollection(["a", "b"]).map(wasm(bundledComponent("uppercase-map")));
 */
export function bundledComponent(name: string): CompiledComponent {
  const found = bundled.find((c) => c.names.includes(name));
  if (found === undefined) {
    const known = bundled.map((c) => c.names[2] ?? c.names[0]).join(", ");
    throw new EddyError(`[eddy] no component "${name}" is bundled into this Worker${known === "" ? " (it has none)" : ` (it has ${known})`}: bundle it with eddy bundle --component ${name}.wasm`, { code: "INVALID_JOB", domain: "user", retryable: false });
  }
  return found.compiled;
}
