/**
 * Test fixtures for the HTTP suite: the uppercase-map example component and the runaway loop-map
 * fixture, built once and cached in node_modules/.cache by the hash of their sources (building
 * takes ~10 s), and servers started on Node in-process or on Deno / Bun as child processes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The uppercase-map component (AssemblyScript), from the cache or freshly built. */
export function uppercaseComponent(): Promise<Uint8Array> {
  return mapComponent("uppercase", path.join(root, "operators-wasm", "guests", "uppercase-map", "guest.as.ts"));
}

/** A map component that loops forever on a record whose JSON text holds "spin" (a runaway operator). */
export function loopComponent(): Promise<Uint8Array> {
  return mapComponent("loop", path.join(root, "operators-wasm", "host", "fixtures", "loop-map.as.ts"));
}

/** An AssemblyScript map-operator component, from the cache or freshly built. */
async function mapComponent(name: string, sourcePath: string): Promise<Uint8Array> {
  const hash = createHash("sha256");
  for (const f of [sourcePath, path.join(root, "operators-wasm", "sdk", "assemblyscript", "map.ts"), path.join(root, "operators-wasm", "build", "build-guest.ts")]) {
    hash.update(await readFile(f).catch(() => new Uint8Array(0)));
  }
  const cached = path.join(root, "node_modules", ".cache", "eddy-server", `${name}-${hash.digest("hex").slice(0, 16)}.wasm`);
  const hit = await readFile(cached).catch(() => undefined);
  if (hit !== undefined) return new Uint8Array(hit);
  const { buildGuest } = await import("../../operators-wasm/build/build-guest.ts");
  const built = await buildGuest({ source: sourcePath });
  await mkdir(path.dirname(cached), { recursive: true });
  await writeFile(cached, built.component);
  return built.component;
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes; a throw counts as not yet. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`[eddy] timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server under test. */
export interface ServerUnderTest {
  readonly url: string;
  readonly runtime: string;
  /** Its `--data-dir` (checkpoints under `checkpoints/`, file sinks under `output/`), where it has one. */
  readonly dataDir?: string;
  close(): Promise<void>;
}

export const TEST_TOKEN = "test-token-1234";
/** Uploads above this are refused (413) by servers under test. */
export const TEST_MAX_ARTIFACT_BYTES = 512 * 1024;

/** An HTTP answer as the tests read it: status, headers, the body as text, and as JSON where it parses. */
export interface Answer {
  readonly status: number;
  readonly json: any;
  readonly text: string;
  readonly headers: Headers;
}

/** Reads `res` to its end; `json` is undefined when the body is not JSON. */
export async function readAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Calls the API of `server` with the test token and returns the JSON answer; throws on an error status. */
export async function callApi(server: Pick<ServerUnderTest, "url">, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** What a test may set on a server beyond the token, data directory and upload limit every one gets. */
export interface TestServerOptions {
  /** The only Kafka brokers specs may name (`--kafka-brokers`; not on workerd). */
  readonly kafkaBrokers?: readonly string[];
  /** Reads need no token (`--public-reads`). */
  readonly publicReads?: boolean;
  /** Jobs running at once (`--max-jobs`). */
  readonly maxJobs?: number;
  /** Task slots of the running jobs together (`--max-slots`). */
  readonly maxSlots?: number;
  /** Worker TaskManagers (`--task-managers`; default one per core). */
  readonly taskManagers?: number;
  /** Slots per TaskManager (`--slots`). */
  readonly slots?: number;
  /** CPU budget per call into user code on a TaskManager, ms (`--user-code-budget-ms`). */
  readonly userCodeBudgetMs?: number;
}

/** `eddy serve`'s flags for `options`. */
function serveFlags(options: TestServerOptions): string[] {
  return [
    ...(options.kafkaBrokers !== undefined ? ["--kafka-brokers", options.kafkaBrokers.join(",")] : []),
    ...(options.publicReads === true ? ["--public-reads"] : []),
    ...(options.maxJobs !== undefined ? ["--max-jobs", String(options.maxJobs)] : []),
    ...(options.maxSlots !== undefined ? ["--max-slots", String(options.maxSlots)] : []),
    ...(options.taskManagers !== undefined ? ["--task-managers", String(options.taskManagers)] : []),
    ...(options.slots !== undefined ? ["--slots", String(options.slots)] : []),
    ...(options.userCodeBudgetMs !== undefined ? ["--user-code-budget-ms", String(options.userCodeBudgetMs)] : []),
  ];
}

/** `eddy serve` on Node, in this process. */
export async function serveOnNode(options: TestServerOptions = {}): Promise<ServerUnderTest> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "eddy-http-node-"));
  const { startServer } = await import("../../bin/serve.ts");
  const server = await startServer({ port: 0, quiet: true, token: TEST_TOKEN, dataDir, maxArtifactBytes: TEST_MAX_ARTIFACT_BYTES, ...options });
  return {
    url: server.url,
    runtime: "node",
    dataDir,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A `bin/serve.ts` child process that listens at `url`. */
export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts `bin/serve.ts --port 0 --quiet ...flags` on Deno, Bun (from node_modules/.bin) or Node (tsx); resolves once it listens. */
export async function spawnServe(runtime: "deno" | "bun" | "node", flags: readonly string[]): Promise<ServeProcess> {
  const bin = runtime === "node" ? process.execPath : path.join(root, "node_modules", ".bin", runtime);
  const script = path.join(root, "bin", "serve.ts");
  const all = ["--port", "0", "--quiet", ...flags];
  const args = runtime === "deno" ? ["run", "-A", "--no-check", script, ...all] : runtime === "bun" ? ["run", script, ...all] : ["--import", "tsx", script, ...all];
  const child = spawn(bin, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[eddy] ${runtime} did not start serving within 30 s:\n${output}`)), 30_000);
    const onData = (d: Uint8Array): void => {
      output += String(d);
      const m = /EDDY_LISTENING (\S+)/.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Uint8Array) => (output += String(d)));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`[eddy] ${runtime} exited with ${code} before serving:\n${output}`));
    });
  });
  return { url, child };
}

/** Stops a server process with SIGTERM (SIGKILL after 5 s). */
export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** `bin/serve.ts` on Deno, Bun or Node, in a child process, with a fresh data directory and the test token. */
export async function serveOn(runtime: "deno" | "bun" | "node", options: TestServerOptions = {}): Promise<ServerUnderTest> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `eddy-http-${runtime}-`));
  const { url, child } = await spawnServe(runtime, ["--token", TEST_TOKEN, "--data-dir", dataDir, "--max-artifact-bytes", String(TEST_MAX_ARTIFACT_BYTES), ...serveFlags(options)]);
  return {
    url,
    runtime,
    close: async () => {
      await stopServe(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The API as a workerd Worker (adapters/workerd/server-worker.ts bundled with esbuild), served by
 * npm's workerd. `from` bundles `createServerWorker` from elsewhere instead: `eddy/workerd` as
 * installed in the project at `dir`.
 */
export async function serveOnWorkerd(options: Omit<TestServerOptions, "kafkaBrokers"> = {}, from?: { specifier: string; dir: string }): Promise<ServerUnderTest> {
  const dir = await mkdtemp(path.join(tmpdir(), "eddy-http-workerd-"));
  const entry = path.join(from?.dir ?? dir, "entry.ts");
  await writeFile(
    entry,
    `import { createServerWorker } from ${JSON.stringify(from?.specifier ?? path.join(root, "adapters", "workerd", "server-worker.ts"))};\n` +
      `export default createServerWorker(${JSON.stringify({ token: TEST_TOKEN, maxArtifactBytes: TEST_MAX_ARTIFACT_BYTES, ...options })});\n`,
  );
  const { build } = await import("esbuild");
  await build({ entryPoints: [entry], outfile: path.join(dir, "worker.js"), bundle: true, format: "esm", platform: "neutral", target: "es2022", conditions: ["workerd", "worker", "browser", "import"], mainFields: ["module", "main"], logLevel: "error" });
  const port = await new Promise<number>((resolve, reject) => {
    import("node:net").then(({ createServer }) => {
      const s = createServer();
      s.on("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    }, reject);
  });
  await writeFile(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "api", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "api") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
);
`,
  );
  const child = spawn(path.join(root, "node_modules", ".bin", "workerd"), ["serve", path.join(dir, "config.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Uint8Array) => (output += String(d)));
  child.stderr.on("data", (d: Uint8Array) => (output += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`[eddy] workerd exited with ${child.exitCode}:\n${output}`);
    try {
      await (await fetch(`${url}/config`, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`[eddy] workerd did not serve within 20 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    runtime: "workerd",
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
