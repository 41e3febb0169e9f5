#!/usr/bin/env node
/**
 * Runs the conformance suite inside workerd: bundles adapters/workerd/worker.ts with esbuild
 * (workerd cannot load TypeScript), writes a workerd config for it to a temp dir, serves it on a
 * free localhost port, requests the run, and prints the same per-scenario lines and final
 * `CONFORMANCE {json}` line as conformance/run.ts.
 *
 *   node scripts/workerd-check.mjs [--filter=<substring>] [--keep]   (--keep: leave the temp dir)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const filter = args.find((a) => a.startsWith("--filter="))?.slice("--filter=".length) ?? "";
const keep = args.includes("--keep");
// Not after the installed workerd's own date, which it refuses.
const COMPATIBILITY_DATE = "2025-09-01";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode} before serving`);
    try {
      const response = await fetch(`${url}/__health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not serve ${url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), "eddy-workerd-"));
let child;
// If this script is terminated (scripts/test.mjs's timeout), take the workerd it started along.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    if (child !== undefined && child.exitCode === null) child.kill("SIGTERM");
    if (!keep) rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  });
}
let exitCode = 1;
try {
  const started = performance.now();
  await build({
    entryPoints: [join(root, "adapters", "workerd", "worker.ts")],
    outfile: join(dir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    logLevel: "error",
  });
  const bundleMs = performance.now() - started;

  const port = await freePort();
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "conformance", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "conformance") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
);
`,
  );

  child = spawn(join(root, "node_modules", ".bin", "workerd"), ["serve", join(dir, "config.capnp")], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForServer(url, child, 20_000);
  const version = await new Promise((resolve) => {
    const v = spawn(join(root, "node_modules", ".bin", "workerd"), ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    v.stdout.on("data", (c) => (out += c));
    v.on("close", () => resolve(out.trim()));
  });
  console.log(`  (bundled in ${Math.round(bundleMs)} ms, serving on ${url})`);

  const response = await fetch(`${url}/?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(300_000) });
  const text = await response.text();
  let summary;
  try {
    summary = JSON.parse(text);
  } catch {
    throw new Error(`workerd answered ${response.status}: ${text.slice(0, 2_000)}`);
  }
  for (const r of summary.results) {
    // workerd's clock only advances across I/O, so per-scenario durations read 0 there.
    if (r.status === "passed") console.log(`  ok    ${r.name}`);
    else if (r.status === "skipped") console.log(`  skip  ${r.name}: ${r.reason}`);
    else console.log(`  FAIL  ${r.name}\n        ${r.error}`);
  }
  console.log(`CONFORMANCE ${JSON.stringify({ runtime: version, ...summary })}`);
  exitCode = summary.failed === 0 ? 0 : 1;
} catch (error) {
  // esbuild has already printed its errors; don't repeat them.
  const message = Array.isArray(error?.errors) ? `bundling failed with ${error.errors.length} error(s)` : (error?.message ?? error);
  console.error(`[eddy] workerd check failed: ${message}`);
} finally {
  if (child !== undefined && child.exitCode === null) child.kill("SIGTERM");
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`  (kept ${dir})`);
}
process.exit(exitCode);
