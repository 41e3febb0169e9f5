/**
 * Loads a component from bytes at run time on Node, Deno and Bun: checks its world and
 * imports, transpiles it in memory with jco (`instantiation: "async"`), compiles its core
 * modules with a memory cap, and imports the generated glue from a data: URL (no files).
 */
import { componentWit, transpile } from "@bytecodealliance/jco";
import { WasmOperatorError } from "./errors.ts";
import { instantiateComponent, type CompiledComponent, type GlueInstantiate, type InstantiateOptions, type LoadedComponent } from "./instance.ts";
import { WASM_PAGE, limitMemory, wasmKind } from "./wasm-binary.ts";
import { WORLDS, WIT_PACKAGE, WIT_VERSION, qualifiedInterface, worldByExport, type WorldName } from "./worlds.ts";

/** Default linear-memory limit per component: 64 MiB. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;

export interface CompileOptions {
  /** Shown in errors and metrics; defaults to "component". */
  name?: string;
  /** Refuse the component unless it targets this world. */
  expectWorld?: WorldName;
  /** Linear-memory cap, rounded down to 64 KiB pages. */
  memoryLimitBytes?: number;
}

export interface LoadOptions extends CompileOptions, InstantiateOptions {}

/** What a component declares, read from its bytes. */
export interface ComponentWorld {
  /** The Eddy world it implements, if its exports match one. */
  world: WorldName | undefined;
  /** Fully qualified imported interfaces, e.g. `wasi:filesystem/types@0.2.0`. */
  imports: string[];
  /** Fully qualified exported interfaces. */
  exports: string[];
}

/** Reads a component's imports and exports (and so its Eddy world) from its bytes. */
export async function readComponentWorld(bytes: Uint8Array, name = "component"): Promise<ComponentWorld> {
  const kind = wasmKind(bytes);
  if (kind === undefined) {
    throw new WasmOperatorError("WASM_INVALID", name, undefined, `not WebAssembly (${bytes.length} bytes starting ${hex(bytes.subarray(0, 8))}); expected a component`);
  }
  if (kind === "module") {
    throw new WasmOperatorError("WASM_INVALID", name, undefined, "is a core WebAssembly module, not a component; wrap it with operators-wasm/build/build-guest.ts");
  }
  let wit: string;
  try {
    wit = await componentWit(bytes);
  } catch (e) {
    throw new WasmOperatorError("WASM_INVALID", name, undefined, `malformed component: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const imports: string[] = [];
  const exports: string[] = [];
  // the decoded world is synthetic ("root"); what identifies it is what it imports and exports
  const body = /world\s+[%\w-]+\s*\{([\s\S]*?)\n\}/.exec(wit)?.[1] ?? "";
  for (const line of body.split("\n")) {
    const m = /^\s*(import|export)\s+([^;{]+?)\s*[;{]/.exec(line);
    if (!m) continue;
    const item = m[2]!.replaceAll("%", "").replace(/:\s*(func|interface).*$/, "");
    (m[1] === "import" ? imports : exports).push(item.trim());
  }
  const ours = exports
    .map((e) => new RegExp(`^${WIT_PACKAGE}/([a-z-]+)@${WIT_VERSION.replaceAll(".", "\\.")}$`).exec(e)?.[1])
    .filter((x): x is string => x !== undefined);
  // other exports (componentize-qjs adds `init`) are never called, so they are ignored
  const world = ours.length === 1 ? (worldByExport(ours[0]!)?.world as WorldName | undefined) : undefined;
  return { world, imports, exports };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Checks and compiles a component for instantiation (the slow part: ~100-200 ms; cache the
 * result per artifact and instantiate it once per subtask).
 */
export async function compileComponent(bytes: Uint8Array, opts: CompileOptions = {}): Promise<CompiledComponent> {
  const name = opts.name ?? "component";
  const limit = opts.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
  const info = await readComponentWorld(bytes, name);
  const expected = opts.expectWorld;
  if (info.world === undefined) {
    const got = info.exports.length ? `exports ${info.exports.join(", ")}` : "exports nothing";
    throw new WasmOperatorError("WASM_WRONG_WORLD", name, undefined,
      `expected world ${expected ?? "one of " + Object.keys(WORLDS).join(", ")} of ${WIT_PACKAGE}@${WIT_VERSION}, but the component ${got}`);
  }
  if (expected !== undefined && info.world !== expected) {
    throw new WasmOperatorError("WASM_WRONG_WORLD", name, info.world, `expected world ${expected}, got world ${info.world}`);
  }
  const allowed = new Set(WORLDS[info.world].imports.map(qualifiedInterface));
  const forbidden = info.imports.filter((i) => !allowed.has(i));
  if (forbidden.length > 0) {
    throw new WasmOperatorError("WASM_FORBIDDEN_IMPORT", name, info.world,
      `imports ${forbidden.join(", ")}; world ${info.world} provides ${allowed.size ? [...allowed].join(", ") : "no imports"} (components get no WASI file system, network, clocks or randomness)`);
  }
  let files: Record<string, Uint8Array>;
  try {
    ({ files } = await transpile(bytes, { name: "component", instantiation: "async", base64Cutoff: 0, noTypescript: true, emitTypescriptDeclarations: false } as never));
  } catch (e) {
    throw new WasmOperatorError("WASM_INVALID", name, info.world, `jco could not transpile it: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const maxPages = Math.max(1, Math.floor(limit / WASM_PAGE));
  const modules = new Map<string, WebAssembly.Module>();
  try {
    for (const [file, content] of Object.entries(files)) {
      if (file.endsWith(".wasm")) modules.set(file, await WebAssembly.compile(limitMemory(content, maxPages) as BufferSource));
    }
  } catch (e) {
    throw new WasmOperatorError("WASM_INVALID", name, info.world, `core module rejected: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const js = files["component.js"];
  if (!js) throw new WasmOperatorError("WASM_INVALID", name, info.world, "jco produced no JavaScript glue");
  const glue = (await import(/* @vite-ignore */ `data:text/javascript;base64,${toBase64(js)}`)) as { instantiate: GlueInstantiate };
  return { name, world: info.world, instantiate: glue.instantiate, modules, memoryLimitBytes: maxPages * WASM_PAGE };
}

/**
 * Loads a component from bytes: check, compile, instantiate.
 * @example
 * const op = await loadComponent(bytes, { expectWorld: "map-operator", name: "upper" });
 * const out = decodeBatch(op.processBatch(encodeBatch([{ value: "hi" }])));
 */
export async function loadComponent(bytes: Uint8Array, opts: LoadOptions = {}): Promise<LoadedComponent> {
  return instantiateComponent(await compileComponent(bytes, opts), opts);
}
