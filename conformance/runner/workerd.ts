/**
 * Eddy inside workerd: the conformance Worker (eddy/workerd's createConformanceWorker), or the
 * API's Worker (createServerWorker), bundled with esbuild (workerd runs JavaScript modules, not
 * TypeScript or packages), served by workerd on a free localhost port from a config written to a
 * temporary directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Found, findExecutable, packageModule } from "./runtimes.ts";

/** workerd's compatibility date for the Worker: not after the installed workerd's own. */
const COMPATIBILITY_DATE = "2025-09-01";

/** A served Worker. */
export interface ConformanceWorker {
  readonly url: string;
  /** `workerd <date>`. */
  readonly version: string;
  close(): Promise<void>;
}

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}

/** A free localhost port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function versionOf(executable: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(executable, ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (chunk: Uint8Array) => (out += new TextDecoder().decode(chunk)));
    child.on("error", () => resolve("workerd"));
    child.on("close", () => resolve(out.trim() || "workerd"));
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`[eddy] workerd exited with ${child.exitCode} before serving:\n${output()}`);
    try {
      // Any answer will do: the Worker is up.
      const response = await fetch(`${url}/__health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`[eddy] workerd did not serve ${url} within ${timeoutMs} ms:\n${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Bundles and serves the conformance Worker; resolves once it answers, or says what is missing. */
export function startConformanceWorker(): Promise<Found<ConformanceWorker>> {
  return startWorker(`import { createConformanceWorker } from ${JSON.stringify(packageModule("../adapters/workerd/conformance-worker"))};\nexport default createConformanceWorker();\n`);
}

/** Bundles and serves the API's Worker, guarded by `token`. */
export function startApiWorker(token: string): Promise<Found<ConformanceWorker>> {
  return startWorker(`import { createServerWorker } from ${JSON.stringify(packageModule("../adapters/workerd/server-worker"))};\nexport default createServerWorker(${JSON.stringify({ token })});\n`);
}

/** Bundles the module `entry` (its source) and serves it. */
async function startWorker(entry: string): Promise<Found<ConformanceWorker>> {
  const workerd = findExecutable("workerd");
  if (workerd === undefined) return { missing: "workerd is not installed (npm install -D workerd)" };
  let esbuild: Esbuild;
  try {
    // A computed specifier: esbuild is the caller's tool, not a dependency of Eddy.
    const name = "esbuild";
    esbuild = (await import(/* @vite-ignore */ name)) as Esbuild;
  } catch {
    return { missing: "bundling the suite into a Worker needs esbuild (npm install -D esbuild)" };
  }
  const dir = await mkdtemp(path.join(tmpdir(), "eddy-conformance-workerd-"));
  await writeFile(path.join(dir, "entry.js"), entry);
  await esbuild.build({ entryPoints: [path.join(dir, "entry.js")], outfile: path.join(dir, "worker.js"), bundle: true, format: "esm", platform: "neutral", target: "es2022", conditions: ["workerd", "worker", "browser", "import"], mainFields: ["module", "main"], logLevel: "error" });
  const port = await freePort();
  await writeFile(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "conformance", worker = .worker),
    # The savepoint portability check's webhook receiver listens on this machine.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "conformance") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  globalOutbound = "internet",
);
`,
  );
  const child = spawn(workerd, ["serve", path.join(dir, "config.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  child.stderr!.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, () => output, 30_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { found: { url, version: await versionOf(workerd), close } };
}
