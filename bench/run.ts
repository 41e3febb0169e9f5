/**
 * `npm run bench [-- suite...]`: runs each benchmark suite on Node, Deno and Bun (each in its own
 * process, one after another so they do not compete for cores) and prints one table.
 * Suites: core, checkpoint, kafka, wasm, nexmark, http, cluster, rate, edge (edge runs on Node only: it
 * drives workerd from there). `EDDY_BENCH_RUNTIMES=node,bun` limits the runtimes. Each
 * suite's table and the machine it ran on go to BENCHMARKS.md (its section only).
 */
import { fileURLToPath } from "node:url";
import path from "node:path";
import os from "node:os";
import { type BenchRow, runCommand } from "./harness.ts";
import { benchTable, machineLines, runtimeVersions, writeSuiteSection } from "./report.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string): string => path.join(root, "node_modules", ".bin", name);

const suites: Record<string, string> = {
  core: "bench/core-bench.ts",
  checkpoint: "bench/checkpoint-bench.ts",
  kafka: "bench/kafka-bench.ts",
  wasm: "bench/wasm-bench.ts",
  nexmark: "bench/nexmark/nexmark-bench.ts",
  http: "bench/http-bench.ts",
  cluster: "bench/cluster-bench.ts",
  rate: "bench/rate-bench.ts",
  edge: "bench/edge-bench.ts",
};

/** Suites that run from Node only (they start other runtimes themselves). */
const nodeOnly = new Set(["edge"]);

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

async function runOne(runtime: string, file: string): Promise<BenchRow[]> {
  const [cmd, args] = runtimes[runtime]!(file);
  const { code, out, err } = await runCommand(cmd, args, root);
  if (code !== 0) throw new Error(`[eddy] ${file} on ${runtime} exited with ${code}:\n${err.trim() || out.trim()}`);
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as BenchRow);
}

const rows: BenchRow[] = [];
const versions = runtimeVersions(runtimeNames, bin);
let failed = false;
for (const suite of selected) {
  const loadBefore = os.loadavg();
  const suiteRows: BenchRow[] = [];
  for (const runtime of nodeOnly.has(suite) ? runtimeNames.filter((r) => r === "node") : runtimeNames) {
    process.stderr.write(`running ${suite} on ${runtime}...\n`);
    try {
      suiteRows.push(...(await runOne(runtime, suites[suite]!)));
    } catch (error) {
      failed = true;
      console.error(error instanceof Error ? error.message : error);
    }
  }
  rows.push(...suiteRows);
  if (suiteRows.length > 0) {
    // Grouped by benchmark, runtimes side by side, for the file.
    const order = [...new Set(suiteRows.map((r) => r.name))];
    const sorted = [...suiteRows].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name) || runtimeNames.indexOf(a.runtime) - runtimeNames.indexOf(b.runtime));
    writeSuiteSection(path.join(root, "BENCHMARKS.md"), suite, [...machineLines(versions, loadBefore), "", ...benchTable(sorted)]);
  }
}

for (const l of benchTable(rows)) console.log(l);
if (failed) process.exitCode = 1;
