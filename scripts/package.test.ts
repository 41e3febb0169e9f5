/**
 * The packages as users get them. npm: `npm pack` (which builds dist/), the tarball installed
 * into a fresh project in a temporary directory, then every subpath imported and a windowed job
 * run on plain Node (no loader), Deno and Bun, TypeScript checked against the declarations,
 * `eddy serve --demo` started from the installed bin on each runtime and given a WebAssembly
 * component, and the package's Worker run by workerd. JSR: `deno publish --dry-run`. One install
 * serves every check. scripts/test.mjs runs this file as its own stage, `package`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, serveOnWorkerd, TEST_TOKEN, uppercaseComponent } from "../server/testing/fixtures.ts";
import { importedPackages } from "./imported-packages.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string): string => path.join(root, "node_modules", ".bin", name);
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, { types: string; import: string }>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const jsr = JSON.parse(readFileSync(path.join(root, "deno.json"), "utf8")) as { exports: Record<string, string> };

/** How a consumer imports each subpath: `eddy`, `eddy/kafka`, ... */
const SPECIFIERS = Object.keys(pkg.exports).map((s) => (s === "." ? pkg.name : `${pkg.name}/${s.slice(2)}`));

/** Files a package must not carry: tests, their support and fixtures, benchmarks, build scripts. */
const TEST_ONLY = /\.test\.|test-support|http-suite|(^|\/)(bench|fixtures|guests|test-broker|scripts)\/|server\/testing\//;

/** The windowed job's input: three pages, event times out of order by less than 100 ms. */
const PAGES = ["/home", "/docs", "/pricing"];
const EVENTS = Array.from({ length: 600 }, (_, i) => ({ page: PAGES[(i * 7) % 3]!, ts: i * 25 + ((i * 37) % 90) }));
const WINDOW_MS = 1000;

interface WindowCount {
  page: string;
  start: number;
  n: number;
}

/** Views per page and tumbling window, counted directly. */
function expectedWindows(): WindowCount[] {
  const counts = new Map<string, WindowCount>();
  for (const e of EVENTS) {
    const start = e.ts - (e.ts % WINDOW_MS);
    const key = `${e.page} ${start}`;
    const c = counts.get(key) ?? { page: e.page, start, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  return sortWindows([...counts.values()]);
}

const sortWindows = (ws: WindowCount[]): WindowCount[] => [...ws].sort((a, b) => a.start - b.start || a.page.localeCompare(b.page));

/** Imports every subpath, runs the windowed job, prints one JSON line. Plain JavaScript: every runtime runs it as is. */
const JOB = `import { StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "${pkg.name}";

const exported = {};
for (const specifier of ${JSON.stringify(SPECIFIERS)}) exported[specifier] = Object.keys(await import(specifier)).sort();
const env = StreamExecutionEnvironment.create({ parallelism: 2 });
const windows = await env
  .fromCollection(${JSON.stringify(EVENTS)}, WatermarkStrategy.forBoundedOutOfOrderness(100).withTimestampAssigner((e) => e.ts))
  .keyBy((e) => e.page)
  .window(TumblingEventTimeWindows.of(${WINDOW_MS}))
  .process((page, ctx, elements, out) => out.collect({ page, start: ctx.window.start, n: [...elements].length }))
  .executeAndCollect();
const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
console.log(JSON.stringify({ runtime, node: process.versions.node, execArgv: process.execArgv, exported, windows }));
`;

/** Uses every subpath with types a mistake would break; the @ts-expect-error line fails if the declarations were missing (any). */
const TYPED = `import { StreamExecutionEnvironment } from "eddy";
import { KafkaSource } from "eddy/kafka";
import { wasm } from "eddy/wasm";
import { createApp, type JobSpec } from "eddy/server";
import { NodeFileSystem } from "eddy/node";
import { DenoFileSystem } from "eddy/deno";
import { BunFileSystem } from "eddy/bun";
import { createServerWorker } from "eddy/workerd";
import { runConformance } from "eddy/conformance";

const env = StreamExecutionEnvironment.create({ parallelism: 2 });
export const doubled: Promise<number[]> = env.fromCollection([1, 2, 3]).map((x) => x * 2).executeAndCollect();
// @ts-expect-error the declarations type the elements: numbers are not strings
export const wrong: Promise<string[]> = env.fromCollection([1, 2, 3]).map((x) => x * 2).executeAndCollect();
export const spec: JobSpec = { name: "typed", sources: [{ type: "collection", records: [] }], sinks: [{ type: "collect" }] };
export const used = [KafkaSource.builder<string>(), wasm, createApp, NodeFileSystem, DenoFileSystem, BunFileSystem, createServerWorker, runConformance];
`;

/** The children's environment: no loader or colour settings inherited from the test runner. */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _loader, FORCE_COLOR: _force, ...env } = process.env;
  return { ...env, NO_COLOR: "1", PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ""}` };
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly output: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (d: Uint8Array) => {
      stdout += String(d);
      output += String(d);
    });
    child.stderr.on("data", (d: Uint8Array) => (output += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, output: `$ ${command} ${args.join(" ")}\n${output}` }));
  });
}

/** `eddy serve` started by a user's command; resolves once its banner names the URL and the runtime. */
async function serve(command: string, args: readonly string[], cwd: string): Promise<{ url: string; runtime: string; stop(): Promise<void> }> {
  // Its own process group: npx and bunx start the server as a child of their own.
  const child: ChildProcess = spawn(command, args, { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const banner = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[eddy] ${command} ${args.join(" ")} did not start serving within 60 s:\n${output}`)), 60_000);
    const onData = (d: Uint8Array): void => {
      output += String(d);
      const m = /serving the API at (\S+) on (\w+)/.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Uint8Array) => (output += String(d)));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`[eddy] ${command} ${args.join(" ")} exited with ${code} before serving:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url: banner[1]!, runtime: banner[2]!, stop };
}

async function call(url: string, method: string, body?: Uint8Array | object, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const wasm = body instanceof Uint8Array;
  const response = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": wasm ? "application/wasm" : "application/json" }) },
    body: body === undefined ? undefined : wasm ? (body as BodyInit) : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
}

let work: string;
let consumer: string;
let tarball: { filename: string; files: { path: string }[] };
let jsrDryRun: Promise<Ran>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "eddy-package-"));
  // Checks the JSR manifest and its public types while npm packs and installs.
  jsrDryRun = run(bin("deno"), ["publish", "--dry-run", "--allow-dirty"], root);
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], root);
  if (packed.code !== 0) throw new Error(`[eddy] npm pack failed:\n${packed.output}`);
  // The JSON report follows the build's output.
  [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[$/m)));
  consumer = path.join(work, "consumer");
  await mkdir(consumer);
  await writeFile(path.join(consumer, "package.json"), JSON.stringify({ name: "eddy-consumer", private: true, type: "module" }));
  // The npm cache that `npm ci` filled makes this quick; the registry is asked only for what it lacks.
  const installed = await run("npm", ["install", path.join(work, tarball.filename), "--prefer-offline", "--no-audit", "--no-fund"], consumer);
  if (installed.code !== 0) throw new Error(`[eddy] installing the tarball failed:\n${installed.output}`);
  await writeFile(path.join(consumer, "job.mjs"), JOB);
}, 10 * 60_000);

afterAll(async () => {
  await jsrDryRun;
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

// The checks share the one install and are independent: they run side by side.
describe("the npm package", { concurrent: true, timeout: 3 * 60_000 }, () => {
  it("holds the build, the WIT package and the guest SDKs, and no tests, benchmarks or fixtures", () => {
    const files = tarball.files.map((f) => f.path);
    const allowed = (f: string): boolean =>
      f === "package.json" || f === "README.md" || /^dist\/.+(\.js|\.d\.ts)$/.test(f) || f.startsWith("operators-wasm/wit/") || f.startsWith("operators-wasm/sdk/");
    expect(files.filter((f) => !allowed(f))).toEqual([]);
    expect(files.filter((f) => TEST_ONLY.test(f))).toEqual([]);
    for (const { types, import: js } of Object.values(pkg.exports)) expect(files).toEqual(expect.arrayContaining([types.slice(2), js.slice(2)]));
    for (const target of Object.values(pkg.bin)) expect(files).toContain(target.slice(2));
  });

  it("declares every package its build imports as a dependency", async () => {
    const dist = path.join(consumer, "node_modules", pkg.name, "dist");
    const imported = new Set<string>();
    for (const file of await readdir(dist, { recursive: true })) {
      if (!file.endsWith(".js")) continue;
      for (const name of importedPackages(await readFile(path.join(dist, file), "utf8"))) imported.add(name);
    }
    // Optional peers are tools a command loads when it runs (eddy bundle: esbuild), saying how to install them.
    const optionalPeer = (name: string): boolean => name in (pkg.peerDependencies ?? {}) && pkg.peerDependenciesMeta?.[name]?.optional === true;
    expect([...imported].filter((name) => !(name in pkg.dependencies) && !optionalPeer(name))).toEqual([]);
    // The build reaches the server, Kafka and WebAssembly dependencies; an empty scan would prove nothing.
    expect([...imported]).toEqual(expect.arrayContaining(["hono", "kafkajs", "@bytecodealliance/jco"]));
  });

  describe.each([
    ["node", () => [process.execPath, ["job.mjs"]] as const],
    ["deno", () => [bin("deno"), ["run", "-A", "job.mjs"]] as const],
    ["bun", () => [bin("bun"), ["job.mjs"]] as const],
  ])("on %s", (runtime, command) => {
    it("imports every subpath and runs a windowed job", async () => {
      const [exe, args] = command();
      const ran = await run(exe, args, consumer);
      expect(ran.code, ran.output).toBe(0);
      const result = JSON.parse(ran.stdout.trim().split("\n").at(-1)!) as { runtime: string; node: string; execArgv: string[]; exported: Record<string, string[]>; windows: WindowCount[] };
      expect(result.runtime).toBe(runtime);
      if (runtime === "node") {
        // Plain Node: no loader flags, and at least the oldest Node the package supports.
        expect(result.execArgv).toEqual([]);
        expect(Number(result.node.split(".")[0])).toBeGreaterThanOrEqual(20);
      }
      // Each subpath exports what its source module exports.
      for (const [subpath, source] of Object.entries(jsr.exports)) {
        if (!(subpath in pkg.exports)) continue;
        const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
        expect(result.exported[specifier], specifier).toEqual(Object.keys(await import(path.join(root, source))).sort());
      }
      expect(sortWindows(result.windows)).toEqual(expectedWindows());
    });
  });

  it("type-checks a TypeScript consumer against its declarations", async () => {
    await writeFile(path.join(consumer, "typed.ts"), TYPED);
    await writeFile(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2023", "dom"], types: [], strict: true, skipLibCheck: false, noEmit: true }, files: ["typed.ts"] }),
    );
    const checked = await run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", consumer], consumer);
    expect(checked.code, checked.output).toBe(0);
  });

  describe.each([
    ["node", "npx eddy", () => ["npx", ["eddy"]] as const],
    ["deno", "deno run -A npm:eddy", () => [bin("deno"), ["run", "-A", "npm:eddy"]] as const],
    ["bun", "bunx --bun eddy", () => [bin("bunx"), ["--bun", "eddy"]] as const],
  ])("on %s, `%s serve --demo`", (runtime, _command, command) => {
    it("serves the demo job and runs an uploaded WebAssembly component", async () => {
      const component = await uppercaseComponent();
      const [exe, args] = command();
      const server = await serve(exe, [...args, "serve", "--demo", "--rate", "200", "--port", "0", "--data-dir", path.join(work, `data-${runtime}`)], consumer);
      try {
        expect(server.runtime).toBe(runtime);
        const overview = await call(`${server.url}/jobs/overview`, "GET");
        expect(overview.status).toBe(200);
        expect(overview.json.jobs).toContainEqual(expect.objectContaining({ name: "page counts", state: "RUNNING" }));

        const upload = await call(`${server.url}/artifacts`, "POST", component);
        expect(upload.status, JSON.stringify(upload.json)).toBe(201);
        expect(upload.json).toMatchObject({ id: createHash("sha256").update(component).digest("hex"), world: "map-operator" });

        const records = [{ word: "stream", n: 1 }, { word: "Eddy", n: 2 }, { word: "wasm", n: 3 }];
        const submitted = await call(`${server.url}/jobs`, "POST", {
          name: "uppercase",
          sources: [{ type: "collection", records }],
          operators: [{ type: "wasm", kind: "map", artifact: upload.json.id }],
          sinks: [{ type: "collect" }],
        });
        expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
        const results = await eventually("the component's results", async () => {
          const r = await call(`${server.url}/jobs/${submitted.json.jobid}/results`, "GET");
          return r.json.records.length >= records.length ? r.json.records : undefined;
        }, 30_000);
        // The component upper-cases the record's JSON text, field names included.
        expect(results).toEqual(records.map((r) => JSON.parse(JSON.stringify(r).toUpperCase())));
      } finally {
        await server.stop();
      }
    });
  });

  it("bundles `eddy/workerd` into a Worker that workerd serves", async () => {
    const server = await serveOnWorkerd({}, { specifier: `${pkg.name}/workerd`, dir: consumer });
    try {
      const auth = { authorization: `Bearer ${TEST_TOKEN}` };
      const overview = await call(`${server.url}/jobs/overview`, "GET", undefined, auth);
      expect(overview).toEqual({ status: 200, json: { jobs: [] } });
      // workerd cannot compile WebAssembly at run time: components are bundled at deploy time.
      expect((await call(`${server.url}/artifacts`, "POST", await uppercaseComponent(), auth)).status).toBe(501);
    } finally {
      await server.close();
    }
  });
});

describe("the JSR package", { timeout: 3 * 60_000 }, () => {
  it("passes `deno publish --dry-run`, with every module the npm build compiles and no tests", async () => {
    const published = await jsrDryRun;
    expect(published.code, published.output).toBe(0);
    const files = [...published.output.matchAll(/^\s+(file:\/\/\S+) \(/gm)].map((m) => path.relative(root, fileURLToPath(m[1]!)));
    expect(files.filter((f) => TEST_ONLY.test(f))).toEqual([]);
    const compiled = tarball.files.map((f) => f.path).filter((f) => f.endsWith(".js") && f.startsWith("dist/")).map((f) => f.slice(5).replace(/\.js$/, ".ts"));
    expect(compiled.filter((f) => !files.includes(f))).toEqual([]);
  });
});

describe("Deno tasks", { timeout: 3 * 60_000 }, () => {
  it("`deno task demo` serves the demo from the sources", async () => {
    const server = await serve(bin("deno"), ["task", "demo", "--rate", "200", "--port", "0", "--data-dir", path.join(work, "data-deno-task")], root);
    try {
      expect(server.runtime).toBe("deno");
      const overview = await call(`${server.url}/jobs/overview`, "GET");
      expect(overview.json.jobs).toContainEqual(expect.objectContaining({ name: "page counts", state: "RUNNING" }));
    } finally {
      await server.stop();
    }
  });
});
