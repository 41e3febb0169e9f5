/**
 * Tells a component's Eddy world from its bytes synchronously, so a job that names a
 * component of the wrong world is refused while it is built (before anything runs).
 */
import { WasmOperatorError } from "./errors.ts";
import { componentExportSections, wasmKind } from "./wasm-binary.ts";
import { WIT_PACKAGE, WIT_VERSION, worldByExport, type WorldName } from "./worlds.ts";

const latin1 = new TextDecoder("latin1");

/**
 * The world a component's top-level exports name (`eddy:operator/<iface>@0.1.0`). Throws
 * `WASM_INVALID` for bytes that are not a component and `WASM_WRONG_WORLD` when no single
 * Eddy world is exported.
 */
export function sniffComponentWorld(bytes: Uint8Array, name = "component"): WorldName {
  const kind = wasmKind(bytes);
  if (kind !== "component") {
    throw new WasmOperatorError("WASM_INVALID", name, undefined, kind === "module"
      ? "is a core WebAssembly module, not a component; wrap it with operators-wasm/build/build-guest.ts"
      : `not WebAssembly (${bytes.length} bytes); expected a component of ${WIT_PACKAGE}@${WIT_VERSION}`);
  }
  let sections: Uint8Array[];
  try {
    sections = componentExportSections(bytes);
  } catch (e) {
    throw new WasmOperatorError("WASM_INVALID", name, undefined, `malformed component: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const found = new Set<string>();
  const re = new RegExp(`${WIT_PACKAGE}/([a-z-]+)@${WIT_VERSION.replaceAll(".", "\\.")}`, "g");
  for (const s of sections) for (const m of latin1.decode(s).matchAll(re)) found.add(m[1]!);
  const worlds = [...found].map((i) => worldByExport(i)?.world).filter((w): w is WorldName => w !== undefined);
  if (worlds.length !== 1) {
    throw new WasmOperatorError("WASM_WRONG_WORLD", name, undefined, worlds.length === 0
      ? `exports no world of ${WIT_PACKAGE}@${WIT_VERSION}; expected one of its operator worlds`
      : `exports several worlds (${worlds.join(", ")}); expected exactly one`);
  }
  return worlds[0]!;
}
