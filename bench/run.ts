/**
 * `npm run bench [-- suite...]`: runs each benchmark suite on Node, Deno and Bun (each in its own
 * process, one after another so they do not compete for cores) and prints one table.
 * Suites: core. `EDDY_BENCH_RUNTIMES=node,bun` limits the runtimes.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { BenchRow } from "./harness.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string): string => path.join(root, "node_modules", ".bin", name);

const suites: Record<string, string> = {
  core: "bench/core-bench.ts",
  checkpoint: "bench/checkpoint-bench.ts",
};

const runtimes: Record<string, (file: string) => [string, string[]]> = {
  node: (file) => [process.execPath, ["--expose-gc", "--import", "tsx", file]],
  deno: (file) => [bin("deno"), ["run", "--allow-all", "--no-check", "--v8-flags=--expose-gc", file]],
  bun: (file) => [bin("bun"), ["run", file]],
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const selected = wanted.length > 0 ? wanted : Object.keys(suites);
for (const s of selected) {
  if (suites[s] === undefined) {
    console.error(`[eddy] unknown benchmark suite "${s}": expected one of ${Object.keys(suites).join(", ")}`);
    process.exit(2);
  }
}
const runtimeNames = (process.env.EDDY_BENCH_RUNTIMES ?? "node,deno,bun").split(",").filter((r) => r in runtimes);

function runOne(runtime: string, file: string): Promise<BenchRow[]> {
  const [cmd, args] = runtimes[runtime]!(file);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Uint8Array) => (out += String(d)));
    child.stderr.on("data", (d: Uint8Array) => (err += String(d)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`[eddy] ${file} on ${runtime} exited with ${code}:\n${err.trim() || out.trim()}`));
      resolve(
        out
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as BenchRow),
      );
    });
  });
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n));

const rows: BenchRow[] = [];
let failed = false;
for (const suite of selected) {
  for (const runtime of runtimeNames) {
    process.stderr.write(`running ${suite} on ${runtime}...\n`);
    try {
      rows.push(...(await runOne(runtime, suites[suite]!)));
    } catch (error) {
      failed = true;
      console.error(error instanceof Error ? error.message : error);
    }
  }
}

const header = ["benchmark", "runtime", "events", "Eddy events/s", "baseline events/s", "ratio", "peak heap", "note"];
const table = rows.map((r) => [
  r.name,
  r.runtime,
  fmt(r.events),
  r.eddyEventsPerSecond > 0 ? fmt(r.eddyEventsPerSecond) : "-",
  r.baselineEventsPerSecond > 0 ? fmt(r.baselineEventsPerSecond) : "-",
  r.ratio > 0 ? `${r.ratio.toFixed(2)}x` : "-",
  r.peakHeapMb !== undefined ? `${r.peakHeapMb} MB` : "-",
  r.note ?? "",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of table) console.log(line(r));
if (failed) process.exitCode = 1;
