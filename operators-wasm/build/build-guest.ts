/**
 * Builds a guest operator from source into a WebAssembly component of `eddy:operator@0.1.0`.
 *
 * Languages, by file name: `*.as.ts` AssemblyScript (npm `assemblyscript`), `*.c` C (Debian
 * clang + lld, `--target=wasm32-unknown-unknown`), `*.js` JavaScript (npm `componentize-qjs`).
 * The world comes from the option or from a `// @eddy-world <world>` line in the source.
 * Core modules are turned into components with jco's JS API (embed + new), not its CLI.
 *
 * Usage: `npx tsx operators-wasm/build/build-guest.ts <source> [-o out.wasm] [--world w]`
 * @example
 * const { component } = await buildGuest({ source: "operators-wasm/guests/uppercase-map/guest.as.ts" });
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { componentEmbed, componentNew } from "@bytecodealliance/jco";
import { WORLDS, aliasExportName, coreExportName, isWorldName, qualifiedInterface, type WorldName, type WorldSpec } from "../host/worlds.ts";
import { exportNames, importNames, renameExports } from "../host/wasm-binary.ts";

export type GuestLanguage = "assemblyscript" | "c" | "js";

export interface BuildGuestOptions {
  /** Path to the guest's source file. */
  source: string;
  /** Overrides the `@eddy-world` line of the source. */
  world?: WorldName;
  /** Overrides detection from the file name. */
  language?: GuestLanguage;
  /** Extra compiler flags. */
  flags?: string[];
}

export interface BuiltGuest {
  component: Uint8Array;
  /** The core module before wrapping (after export renaming). */
  core: Uint8Array;
  world: WorldName;
  language: GuestLanguage;
}

const HERE = fileURLToPath(new URL(".", import.meta.url));
export const WIT_PATH = resolve(HERE, "../wit/operator.wit");
const ROOT = resolve(HERE, "../..");

export function detectLanguage(source: string): GuestLanguage {
  if (source.endsWith(".as.ts")) return "assemblyscript";
  if (source.endsWith(".c")) return "c";
  if (source.endsWith(".js") || source.endsWith(".mjs")) return "js";
  throw new Error(`[eddy] build: cannot tell the language of ${source}; expected *.as.ts, *.c or *.js`);
}

export function detectWorld(text: string, source: string): WorldName {
  const m = /@eddy-world\s+([a-z-]+)/.exec(text);
  if (!m) throw new Error(`[eddy] build: ${source} has no "@eddy-world <world>" line and no world option`);
  if (!isWorldName(m[1]!)) {
    throw new Error(`[eddy] build: ${source} names world "${m[1]}"; expected one of ${Object.keys(WORLDS).join(", ")}`);
  }
  return m[1];
}

/** Builds one guest. */
export async function buildGuest(opts: BuildGuestOptions): Promise<BuiltGuest> {
  const source = resolve(opts.source);
  const text = await readFile(source, "utf8");
  const language = opts.language ?? detectLanguage(source);
  const world = opts.world ?? detectWorld(text, source);
  const spec: WorldSpec = WORLDS[world];
  let core: Uint8Array;
  if (language === "js") {
    const component = await componentizeJs(source, text, world);
    return { component, core: new Uint8Array(0), world, language };
  }
  core = language === "assemblyscript" ? await compileAssemblyScript(source, opts.flags ?? []) : await compileC(source, opts.flags ?? []);
  // SDK helpers (onMap, ...) are exported by `export *` too; the component needs only these
  const wanted = new Set(["memory", "cabi_realloc", "_initialize", ...spec.functions.flatMap((f) => {
    const name = coreExportName(spec, f.name);
    return [name, `cabi_post_${name}`];
  })]);
  core = renameExports(core, aliasRenames(spec), (name) => wanted.has(name));
  checkCore(core, spec, source);
  const component = await wrapCore(core, world);
  return { component, core, world, language };
}

/** Wraps a core module that exports the world's canonical names into a component. */
export async function wrapCore(core: Uint8Array, world: WorldName): Promise<Uint8Array> {
  const witSource = await readFile(WIT_PATH, "utf8");
  const embedded = await componentEmbed({ binary: core, witSource, world: `eddy:operator/${world}@0.1.0` });
  return await componentNew(embedded, []);
}

function aliasRenames(spec: WorldSpec): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of spec.functions) {
    const alias = aliasExportName(spec, f.name);
    const core = coreExportName(spec, f.name);
    m.set(alias, core);
    m.set(`cabi_post_${alias}`, `cabi_post_${core}`);
  }
  return m;
}

function checkCore(core: Uint8Array, spec: WorldSpec, source: string): void {
  const exported = new Set(exportNames(core));
  for (const f of spec.functions) {
    const name = coreExportName(spec, f.name);
    if (!exported.has(name)) {
      throw new Error(`[eddy] build: ${source} does not export ${name} (or its alias ${aliasExportName(spec, f.name)}) for world ${spec.world}`);
    }
  }
  const allowed = new Set(spec.imports.map(qualifiedInterface));
  for (const [module, name] of importNames(core)) {
    if (!allowed.has(module)) {
      throw new Error(`[eddy] build: ${source} imports ${module}.${name}, which world ${spec.world} does not provide`);
    }
  }
}

async function compileAssemblyScript(source: string, flags: string[]): Promise<Uint8Array> {
  const asc = await import("assemblyscript/asc");
  let binary: Uint8Array | undefined;
  let stderr = "";
  const { error } = await asc.main(
    [
      source, "--outFile", "guest.wasm", "-O3", "--noAssert",
      // no `env.abort` import: failed assertions and bounds checks trap instead
      "--use", "abort=",
      "--runtime", "minimal", "--enable", "simd",
      ...flags,
    ],
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith(".wasm")) binary = contents as Uint8Array;
      },
      stdout: { write: () => true } as never,
      stderr: { write: (s: string) => { stderr += s; return true; } } as never,
    },
  );
  if (error || !binary) throw new Error(`[eddy] build: AssemblyScript failed for ${source}: ${error?.message ?? ""}\n${stderr}`);
  return binary;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("error", (e) => fail(new Error(`[eddy] build: cannot run ${cmd} (${e.message}); on Debian: apt-get install clang lld`)));
    p.on("close", (code) => (code === 0 ? ok() : fail(new Error(`[eddy] build: ${cmd} exited ${code}\n${out}`))));
  });
}

async function compileC(source: string, flags: string[]): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "eddy-c-"));
  try {
    const out = join(dir, "guest.wasm");
    await run(process.env.CLANG ?? "clang", [
      "--target=wasm32-unknown-unknown", "-O3", "-nostdlib", "-ffreestanding",
      "-msimd128", "-mbulk-memory",
      "-I", resolve(ROOT, "operators-wasm/sdk/c"),
      "-Wl,--no-entry", "-fuse-ld=lld",
      "-o", out, source, ...flags,
    ]);
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function componentizeJs(source: string, text: string, world: WorldName): Promise<Uint8Array> {
  // imported lazily: a native (napi) package only the JS path needs
  const mod = (await import("componentize-qjs")) as Record<string, unknown>;
  const componentize = (mod.componentize ?? (mod.default as Record<string, unknown> | undefined)?.componentize) as
    | ((opts: Record<string, unknown>) => Promise<unknown>)
    | undefined;
  if (!componentize) throw new Error("[eddy] build: componentize-qjs exposes no componentize()");
  const witSource = await readFile(WIT_PATH, "utf8");
  const dir = await mkdtemp(join(tmpdir(), "eddy-js-"));
  try {
    const witPath = join(dir, "operator.wit");
    await writeFile(witPath, witSource);
    // stubWasi: QuickJS's WASI imports become traps, so the component imports nothing
    // but its world; sync: no component-model async ABI (jco's glue is simpler without)
    const result = await componentize({ witPath, jsSource: text, jsPath: source, moduleRoot: ROOT, world, stubWasi: true, sync: true });
    const bytes = result instanceof Uint8Array ? result : (result as { component?: Uint8Array }).component;
    if (!bytes) throw new Error("[eddy] build: componentize-qjs returned no component");
    return new Uint8Array(bytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const source = argv.find((a, i) => !a.startsWith("-") && argv[i - 1] !== "-o" && argv[i - 1] !== "--world");
  if (!source) {
    console.error("usage: build-guest.ts <source> [-o out.wasm] [--world <world>]");
    process.exit(2);
  }
  const outIdx = argv.indexOf("-o");
  const worldIdx = argv.indexOf("--world");
  const world = worldIdx >= 0 ? argv[worldIdx + 1] : undefined;
  if (world !== undefined && !isWorldName(world)) throw new Error(`[eddy] build: unknown world ${world}`);
  const built = await buildGuest({ source, world });
  const out = outIdx >= 0 ? argv[outIdx + 1]! : source.replace(/(\.as\.ts|\.c|\.m?js)$/, ".component.wasm");
  await writeFile(out, built.component);
  console.log(`${out}: ${built.component.length} bytes, world ${built.world}, ${built.language}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
