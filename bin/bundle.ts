/**
 * `eddy bundle <job.ts|spec.json> [--component x.wasm]... -o dir/`: a Worker that runs Eddy on
 * Durable Objects, ready for `wrangler deploy` or `workerd serve`. It writes
 *
 *   worker.js        the Worker (esbuild): the API, the Durable Object classes, the job modules
 *   *.wasm           the components' core modules, compiled by the platform at deploy time
 *   wrangler.jsonc   bindings, Durable Object migrations (SQLite-backed), compatibility date
 *   config.capnp     the same for workerd (`eddy dev` runs it), storage on local disk
 *   entry.mjs        the entry module worker.js was bundled from
 *
 * A job module's exports are builders `(env, params)`, started with `POST /jobs {"name", "job":
 * {"module": "<file name>", "export": "<builder>"}}`; a spec is started by the Worker itself on
 * its first request (and kept running).
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { builtinModules } from "node:module";
import { parseArgs } from "node:util";
import { BINDINGS, CLASSES } from "../adapters/workerd/edge-protocol.ts";

/** Newest compatibility date the bundled Workers use (not after the installed workerd's own). */
export const COMPATIBILITY_DATE = "2025-09-01";

/** Settings the Worker reads from its environment (workerd: the process's; wrangler: vars and secrets). */
const ENV_BINDINGS = ["EDDY_TOKEN", "EDDY_PUBLIC_READS", "EDDY_MAX_JOBS", "EDDY_MAX_SLOTS"] as const;

/** Options of {@link bundleEdge}. */
export interface EdgeBundleOptions {
  /** Job modules by the name job references use, as file paths. */
  readonly modules?: Readonly<Record<string, string>>;
  /** A job spec the Worker starts on its first request and keeps running. */
  readonly spec?: unknown;
  /** WebAssembly components (file paths) to compile into the Worker. */
  readonly components?: readonly string[];
  readonly outDir: string;
  /** The Worker's name (wrangler's `name`). */
  readonly name?: string;
}

/** What {@link bundleEdge} wrote. */
export interface EdgeBundle {
  readonly outDir: string;
  readonly worker: string;
  readonly wrangler: string;
  readonly workerdConfig: string;
  /** The components' core modules (next to worker.js). */
  readonly wasmModules: readonly string[];
  /** Names a spec or job may use for each component (file name, `@file name`, base name, sha256). */
  readonly components: readonly { readonly file: string; readonly names: readonly string[]; readonly world: string }[];
}

/** eddy's workerd adapter, as source (in the repository) or as built (in the npm package). */
function workerdAdapter(module = "index"): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(`../adapters/workerd/${module}.${here.endsWith(".ts") ? "ts" : "js"}`, here));
}

/**
 * esbuild: where CommonJS code (kafkajs) requires a Node built-in by its bare name (net, tls,
 * crypto...), workerd's `node:` module is imported instead. The output is an ES module, where a
 * require of an external module would throw at run time.
 */
const requireNodeBuiltins: import("esbuild").Plugin = {
  name: "eddy-require-node-builtins",
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      return args.kind === "require-call" && builtinModules.includes(name) ? { path: name, namespace: "node-builtin" } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "node-builtin" }, (args) => ({ contents: `import m from "node:${args.path}";\nmodule.exports = m;\n`, loader: "js" }));
  },
};

/** Writes the Worker and its configs (see the module comment). */
export async function bundleEdge(options: EdgeBundleOptions): Promise<EdgeBundle> {
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const lines: string[] = [
    `import { DurableObject } from "cloudflare:workers";`,
    `import { createEdgeWorker } from ${JSON.stringify(workerdAdapter())};`,
    `import { edgeKafkaRuntime } from ${JSON.stringify(workerdAdapter("edge-kafka"))};`,
  ];
  const modules: string[] = [];
  Object.entries(options.modules ?? {}).forEach(([name, file], i) => {
    lines.push(`import * as m${i} from ${JSON.stringify(path.resolve(file))};`);
    modules.push(`${JSON.stringify(name)}: m${i}`);
  });
  const wasmModules: string[] = [];
  const components: { file: string; names: string[]; world: string }[] = [];
  const componentEntries: string[] = [];
  if ((options.components ?? []).length > 0) {
    const { bundleComponent } = await import("../operators-wasm/build/bundle-component.ts");
    for (const [i, file] of (options.components ?? []).entries()) {
      const bytes = new Uint8Array(await readFile(file));
      const base = path.basename(file);
      const stem = base.replace(/\.wasm$/, "");
      const name = `c${i}-${stem.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
      const bundle = await bundleComponent(bytes, { name, outDir });
      wasmModules.push(...[...bundle.files.keys()].filter((f) => f.endsWith(".wasm")));
      const sha = createHash("sha256").update(bytes).digest("hex");
      const names = [base, `@${base}`, stem, sha];
      components.push({ file: base, names, world: bundle.world });
      lines.push(`import { compiled as c${i} } from "./${bundle.entry}";`);
      componentEntries.push(`{ names: ${JSON.stringify(names)}, compiled: c${i} }`);
    }
  }
  lines.push(
    `const edge = createEdgeWorker({ DurableObject, kafka: edgeKafkaRuntime(), modules: { ${modules.join(", ")} }${componentEntries.length > 0 ? `, components: [${componentEntries.join(", ")}]` : ""}${options.spec !== undefined ? `, start: ${JSON.stringify(options.spec)}` : ""} });`,
    `export default { fetch: edge.fetch };`,
    ...Object.values(CLASSES).map((c) => `export const ${c} = edge.${c};`),
    ``,
  );
  const entry = path.join(outDir, "entry.mjs");
  await writeFile(entry, lines.join("\n"));
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    throw new Error("[eddy] eddy bundle needs esbuild: npm install --save-dev esbuild");
  }
  const worker = path.join(outDir, "worker.js");
  await esbuild.build({
    entryPoints: [entry],
    outfile: worker,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    // The platform's modules and the components' core modules stay imports; node:* is workerd's
    // (nodejs_compat): the Kafka client's, and jco glue's file-loading fallback, which a bundled
    // component never takes.
    external: ["cloudflare:*", "*.wasm", "node:*"],
    plugins: [requireNodeBuiltins],
    logLevel: "error",
  });
  const name = options.name ?? "eddy";
  const wrangler = path.join(outDir, "wrangler.jsonc");
  await writeFile(wrangler, wranglerConfig(name, wasmModules.length > 0));
  const workerdConfig = path.join(outDir, "config.capnp");
  await writeFile(workerdConfig, capnpConfig(wasmModules));
  return { outDir, worker, wrangler, workerdConfig, wasmModules, components };
}

function wranglerConfig(name: string, wasm: boolean): string {
  const config = {
    name,
    main: "worker.js",
    compatibility_date: COMPATIBILITY_DATE,
    // node:net (on cloudflare:sockets) for the Kafka client, node:buffer and the other modules it uses.
    compatibility_flags: ["nodejs_compat"],
    // worker.js is bundled already; wrangler uploads it with its .wasm modules as they are.
    no_bundle: true,
    ...(wasm ? { find_additional_modules: true, rules: [{ type: "CompiledWasm", globs: ["**/*.wasm"], fallthrough: false }] } : {}),
    durable_objects: { bindings: Object.entries(CLASSES).map(([k, c]) => ({ name: BINDINGS[k as keyof typeof BINDINGS], class_name: c })) },
    migrations: [{ tag: "v1", new_sqlite_classes: Object.values(CLASSES) }],
  };
  return `// Written by eddy bundle. Deploy: npx wrangler deploy -c wrangler.jsonc (set a token: npx wrangler secret put EDDY_TOKEN)\n${JSON.stringify(config, null, 2)}\n`;
}

function capnpConfig(wasmModules: readonly string[]): string {
  const classes = Object.entries(CLASSES);
  return `# Written by eddy bundle. Run: eddy dev <this directory> (or workerd serve config.capnp -d storage=<dir> -s http=127.0.0.1:8787)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "eddy", worker = .worker),
    (name = "storage", disk = (path = "storage", writable = true)),
    # workerd's default outbound reaches public addresses only; a local run also reaches this
    # machine and its network (webhook receivers, brokers under development).
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "eddy") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
${wasmModules.map((f) => `    (name = "${f}", wasm = embed "${f}"),`).join("\n")}
  ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "internet",
  durableObjectNamespaces = [
${classes.map(([, c]) => `    (className = "${c}", uniqueKey = "eddy-${c}", enableSql = true),`).join("\n")}
  ],
  durableObjectStorage = (localDisk = "storage"),
  bindings = [
${classes.map(([k, c]) => `    (name = "${BINDINGS[k as keyof typeof BINDINGS]}", durableObjectNamespace = "${c}"),`).join("\n")}
${ENV_BINDINGS.map((b) => `    (name = "${b}", fromEnvironment = "${b}"),`).join("\n")}
  ],
);
`;
}

/** `eddy bundle ...` */
export async function bundleCommand(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { component: { type: "string", multiple: true }, out: { type: "string", short: "o" }, name: { type: "string" } } });
  const [input] = positionals;
  if (input === undefined || values.out === undefined) throw new Error("[eddy] usage: eddy bundle <job.ts|spec.json> [--component x.wasm]... -o <dir> [--name worker-name]");
  const isSpec = input.endsWith(".json");
  const spec = isSpec ? JSON.parse(await readFile(input, "utf8")) : undefined;
  const moduleName = path.basename(input).replace(/\.[cm]?[jt]s$/, "");
  const bundle = await bundleEdge({
    ...(isSpec ? { spec } : { modules: { [moduleName]: input } }),
    components: values.component ?? [],
    outDir: values.out,
    ...(values.name !== undefined ? { name: values.name } : {}),
  });
  const rel = (p: string): string => path.relative(process.cwd(), p) || ".";
  console.log(`eddy: wrote ${rel(bundle.worker)}, ${rel(bundle.wrangler)} and ${rel(bundle.workerdConfig)}`);
  for (const c of bundle.components) console.log(`  component ${c.file} (${c.world}): a spec names it "@${c.file}"`);
  if (!isSpec) console.log(`  start a job: POST /jobs {"name": "...", "job": {"module": "${moduleName}", "export": "<builder>"}}`);
  console.log(`  run it locally: eddy dev ${rel(bundle.outDir)}    deploy: npx wrangler deploy -c ${rel(bundle.wrangler)}`);
}
