#!/usr/bin/env node
/**
 * `npm test`: every check Eddy has, in order, stopping at the first failing stage.
 *
 *   1. vitest     unit tests (*.test.ts) on Node
 *   2. typecheck  tsc on the whole repo and, in parallel, on core/ alone without any runtime's types
 *   3. package    scripts/package.test.ts: the npm package built, packed, installed and run on
 *                 Node, Deno, Bun and workerd; `deno publish --dry-run` for JSR
 *   4. conformance  `eddy conformance --task-managers 2`: every scenario on Node, Deno, Bun and
 *                  workerd, on 2 worker TaskManagers per runtime and on Durable Objects in
 *                  workerd, then the savepoint portability matrix; prints the matrix
 *   5. kafka      the Kafka adapter's scenarios on Deno and Bun
 *
 * Ends with one line `N passed, N failed` counting test cases over all stages: vitest's tests,
 * one per tsc project, each cell of the conformance matrix. A stage that crashes before
 * reporting counts as one failure.
 *
 * Flags: --keep-going (run every stage even after a failure), --only=<stage>[,<stage>...],
 * --filter=<substring> (conformance scenarios only).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const args = process.argv.slice(2);
const keepGoing = args.includes("--keep-going");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const filterArg = args.filter((a) => a.startsWith("--filter="));
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const green = (t) => paint(32, t);
const red = (t) => paint(31, t);
const dim = (t) => paint(2, t);

/**
 * Runs a command; streams its output when `live`, else returns it for printing later. A command
 * still running after `timeoutMs` is terminated (a hung runtime must not hang CI).
 */
function run(command, commandArgs, { live = false, env, timeoutMs = 10 * 60_000 } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    // Some tools treat any FORCE_COLOR, even "0", as "force": set exactly one of the two.
    const { FORCE_COLOR: _force, NO_COLOR: _no, ...inherited } = process.env;
    const colors = live && color ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" };
    const child = spawn(command, commandArgs, {
      cwd: root,
      env: { ...inherited, ...colors, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (stream, sink) =>
      stream.on("data", (chunk) => {
        output += chunk;
        if (live) sink.write(chunk);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on("error", (error) => {
      output += `\n${error.message}\n`;
    });
    const timer = setTimeout(() => {
      output += `\n[eddy] ${command} ${commandArgs.join(" ")} still running after ${seconds(timeoutMs)}: terminated\n`;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, signal, output, ms: performance.now() - started });
    });
  });
}

/** Reads the `CONFORMANCE {json}` line a conformance runner prints last. */
function parseConformance(output) {
  const line = output.split("\n").reverse().find((l) => l.startsWith("CONFORMANCE "));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line.slice("CONFORMANCE ".length));
  } catch {
    return undefined;
  }
}

function printBlock(title, result) {
  console.log(dim(`--- ${title} (${seconds(result.ms)}) ---`));
  const text = result.output.split("\n").filter((l) => !l.startsWith("CONFORMANCE ")).join("\n").trimEnd();
  if (text !== "") console.log(text);
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The package test: its own stage, after the type check, rather than among the unit tests. */
const PACKAGE_TEST = "scripts/package.test.ts";

/** Runs vitest with `vitestArgs`, streaming its output; counts its tests from the JSON report. */
async function vitest(vitestArgs, timeoutMs) {
  const dir = mkdtempSync(join(tmpdir(), "eddy-vitest-"));
  const report = join(dir, "report.json");
  try {
    const result = await run(process.execPath, [
      join(root, "node_modules", "vitest", "vitest.mjs"),
      "run",
      ...vitestArgs,
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
    ], { live: true, timeoutMs });
    let counts;
    try {
      const json = JSON.parse(readFileSync(report, "utf8"));
      counts = { passed: json.numPassedTests, failed: json.numFailedTests };
      // A test file that fails to load has no failed test but fails the run.
      if (result.code !== 0 && counts.failed === 0) counts.failed = 1;
    } catch {
      counts = { passed: 0, failed: 1 };
    }
    return counts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const stages = [
  {
    name: "vitest",
    run: () => vitest(["--exclude", PACKAGE_TEST], 20 * 60_000),
  },
  {
    name: "typecheck",
    async run() {
      const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
      const projects = ["tsconfig.json", "core/tsconfig.json"];
      // Incremental: a rerun only re-checks what changed (the build info lives in node_modules/.cache).
      const cache = (p) => join(root, "node_modules", ".cache", "eddy-tsc", `${p.replace(/[/.]/g, "_")}.tsbuildinfo`);
      const results = await Promise.all(
        projects.map((p) =>
          run(process.execPath, [tsc, "-p", p, "--noEmit", "--incremental", "--tsBuildInfoFile", cache(p), "--pretty", color ? "true" : "false"]),
        ),
      );
      let passed = 0;
      let failed = 0;
      results.forEach((result, i) => {
        const ok = result.code === 0;
        console.log(`${ok ? green("  ok  ") : red("  FAIL")}  tsc -p ${projects[i]} (${seconds(result.ms)})`);
        if (!ok) console.log(result.output.trimEnd());
        if (ok) passed++;
        else failed++;
      });
      return { passed, failed };
    },
  },
  {
    name: "package",
    run: () => vitest([PACKAGE_TEST], 10 * 60_000),
  },
  {
    name: "conformance",
    async run() {
      const filter = filterArg.map((a) => a.slice("--filter=".length));
      const result = await run(process.execPath, ["--import", "tsx", join(root, "bin", "cli.ts"), "conformance", "--task-managers", "2", ...filter.flatMap((f) => ["--filter", f])], { live: true, timeoutMs: 15 * 60_000 });
      // The command's last line counts the matrix's cells.
      const counts = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(result.output.split("\n").filter((l) => l !== "").slice(-1)[0] ?? "");
      if (counts === null) {
        console.log(red(`  eddy conformance exited with ${result.signal ?? result.code} before printing its matrix`));
        return { passed: 0, failed: 1 };
      }
      const failed = Number(counts[2]);
      return { passed: Number(counts[1]), failed: failed === 0 && result.code !== 0 ? 1 : failed };
    },
  },
  {
    name: "kafka",
    async run() {
      // Node runs these scenarios in the vitest stage; Deno and Bun run them here, one after the
      // other (each starts its own test broker).
      const script = "adapters/kafka/run.ts";
      const runtimes = [
        ["deno", bin("deno"), ["run", "--no-check", "--allow-run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", script, ...filterArg]],
        ["bun", bin("bun"), ["run", script, ...filterArg]],
      ];
      const results = [];
      for (const [, command, commandArgs] of runtimes) results.push(await run(command, commandArgs, { timeoutMs: 5 * 60_000 }));
      return tally(results, runtimes.map(([name]) => name));
    },
  },
];

function tally(results, names) {
  let passed = 0;
  let failed = 0;
  results.forEach((result, i) => {
    const summary = parseConformance(result.output);
    printBlock(`${names[i]}${summary?.runtime ? ` — ${summary.runtime}` : ""}`, result);
    if (summary === undefined) {
      console.log(red(`  ${names[i]} exited with ${result.signal ?? result.code} before reporting`));
      failed++;
    } else {
      passed += summary.passed;
      failed += summary.failed;
      if (result.code !== 0 && summary.failed === 0) failed++;
    }
  });
  return { passed, failed };
}

const report = [];
let stop = false;
const started = performance.now();
for (const stage of stages) {
  if (only !== undefined && !only.includes(stage.name)) continue;
  if (stop) {
    report.push({ name: stage.name, skipped: true });
    continue;
  }
  console.log(`\n=== ${stage.name} ===`);
  const t0 = performance.now();
  let counts;
  try {
    counts = await stage.run();
  } catch (error) {
    console.log(red(String(error?.stack ?? error)));
    counts = { passed: 0, failed: 1 };
  }
  report.push({ name: stage.name, ...counts, ms: performance.now() - t0 });
  if (counts.failed > 0 && !keepGoing) stop = true;
}

console.log("\n=== summary ===");
let passed = 0;
let failed = 0;
for (const r of report) {
  if (r.skipped) {
    console.log(`  ${dim("skip")}  ${r.name.padEnd(12)} (after an earlier failure; --keep-going runs it)`);
    continue;
  }
  passed += r.passed;
  failed += r.failed;
  const status = r.failed === 0 ? green("pass") : red("FAIL");
  console.log(`  ${status}  ${r.name.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${seconds(r.ms)}`);
}
console.log(dim(`  total ${seconds(performance.now() - started)}`));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && !report.some((r) => r.skipped) ? 0 : 1);
