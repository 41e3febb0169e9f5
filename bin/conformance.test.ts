/**
 * `eddy conformance` as a user runs it: `node bin/cli.ts conformance ...` in a child process, on
 * the runtimes installed in this repository.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exampleComponents } from "../conformance/runner/components.ts";
import type { ConformanceMatrix } from "../conformance/runner/matrix.ts";
import { matrixText } from "../conformance/runner/matrix-text.ts";
import { GUESTS } from "../conformance/wasm-guests.ts";
import { runCli } from "./testing/run-cli.ts";

/** Runs `eddy conformance <args>` to its end. */
const conformance = (args: readonly string[]) => runCli(["conformance", ...args]);

describe("#17: eddy conformance", () => {
  it("prints a matrix scenario x runtime: passes on Node, Deno, Bun and Durable Objects (components bundled), skipped on workerd's one isolate with the reason", async () => {
    const run = await conformance(["--runtime", "all", "--filter", "wasm-key-selector"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^scenario\s+node\s+deno\s+bun\s+workerd\s+workerd\/do$/);
    expect(lines[1]).toMatch(/^wasm-key-selector\s+pass\s+pass\s+pass\s+skip 1\s+pass$/);
    expect(run.stdout).toContain("  1. workerd cannot compile WebAssembly at run time");
    expect(run.stdout).toMatch(/^runtimes: node \S+, deno \S+, bun \S+, workerd \S+, Durable Objects on workerd \S+$/m);
    expect(lines.at(-2)).toBe("4 passed, 0 failed, 1 skipped");
  }, 180_000);

  it("runs the scenarios that build and collect on a Durable Object deployment, each job across TaskManager objects", async () => {
    const run = await conformance(["--runtime", "workerd", "--filter", "tumbling-event-time", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const matrix = JSON.parse(run.stdout) as { columns: { label: string }[]; rows: { scenario: string; cells: { status: string }[] }[] };
    expect(matrix.columns.map((c) => c.label)).toEqual(["workerd", "workerd/do"]);
    expect(matrix.rows).toEqual([{ scenario: "tumbling-event-time", cells: [expect.objectContaining({ status: "passed" }), expect.objectContaining({ status: "passed" })] }]);
  }, 180_000);

  it("runs a scenario that drives its own jobs on a Durable Object deployment over its HTTP API: a failure mid-stream, restored, exactly once", async () => {
    const run = await conformance(["--runtime", "workerd", "--filter", "checkpoint-restore-aligned", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const matrix = JSON.parse(run.stdout) as ConformanceMatrix;
    expect(matrix.columns.map((c) => c.label)).toEqual(["workerd", "workerd/do"]);
    expect(matrix.rows).toEqual([{ scenario: "checkpoint-restore-aligned", cells: [expect.objectContaining({ status: "passed" }), expect.objectContaining({ status: "passed" })] }]);
  }, 180_000);

  it("moves savepoints in and out of a Durable Object deployment in the portability matrix: its row and column pass with Node and workerd", async () => {
    const run = await conformance(["--runtime", "node,workerd", "--filter", "savepoint-portability", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const matrix = JSON.parse(run.stdout) as ConformanceMatrix;
    expect(matrix.portability?.runtimes).toEqual(["node", "workerd", "workerd/do"]);
    expect(matrix.portability?.cells.map((c) => `${c.from}>${c.to} ${c.status}`)).toEqual(["node", "workerd", "workerd/do"].flatMap((from) => ["node", "workerd", "workerd/do"].map((to) => `${from}>${to} passed`)));
  }, 180_000);

  it("fails a scenario that goes wrong, saying why, with --json and exit code 1", async () => {
    // The example components, with split-words replaced by uppercase-map: a component of the
    // wrong world for the flatMap stage.
    const found = await exampleComponents();
    if (!("found" in found)) throw new Error(found.missing);
    const dir = await mkdtemp(path.join(tmpdir(), "eddy-conformance-test-"));
    try {
      for (const guest of Object.values(GUESTS)) await copyFile(path.join(found.found, `${guest}.wasm`), path.join(dir, `${guest}.wasm`));
      await copyFile(path.join(found.found, `${GUESTS.map}.wasm`), path.join(dir, `${GUESTS.flatMap}.wasm`));
      const run = await conformance(["--runtime", "bun", "--filter", "wasm-map-filter-flat-map", "--components", dir, "--json"]);
      expect(run.code, run.stderr).toBe(1);
      const matrix = JSON.parse(run.stdout) as ConformanceMatrix;
      expect(matrix.columns.map((c) => c.label)).toEqual(["bun"]);
      expect(matrix).toMatchObject({ passed: 0, failed: 1, skipped: 0 });
      const cell = matrix.rows[0]!.cells[0]!;
      expect(cell).toMatchObject({ name: "wasm-map-filter-flat-map", status: "failed" });
      expect(cell.error).toMatch(/component "words" \(world map-operator\): cannot serve as flatMap: expected world flat-map-operator/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("refuses an unknown runtime or option, naming it and what was expected", async () => {
    const runtime = await conformance(["--runtime", "firefox"]);
    expect(runtime.code).toBe(1);
    expect(runtime.stderr).toContain(`[eddy] --runtime must be node, deno, bun, workerd or all (or a comma-separated list of them), got "firefox"`);
    const option = await conformance(["--runtimes", "node"]);
    expect(option.code).toBe(1);
    expect(option.stderr).toMatch(/\[eddy\] conformance: Unknown option '--runtimes'/);
    expect(option.stderr).toContain("expected: run the conformance suite");
    const count = await conformance(["--task-managers", "two"]);
    expect(count.stderr).toContain(`[eddy] --task-managers must be an integer >= 0, got "two"`);
  }, 60_000);

  it("prints each distinct failure and skip reason once, under the matrix", () => {
    const crashed = "deno exited with 1 before reporting:\nSyntaxError";
    const text = matrixText({
      columns: [
        { label: "node", runtime: "node", taskManagers: 0, version: "node 20" },
        { label: "deno", runtime: "deno", taskManagers: 0, crashed },
        { label: "workerd", runtime: "workerd", taskManagers: 0, missing: "workerd is not installed" },
      ],
      rows: ["a", "b"].map((scenario) => ({
        scenario,
        cells: [
          { name: scenario, status: "passed", durationMs: 1 },
          { name: scenario, status: "failed", durationMs: 0, error: crashed },
          { name: scenario, status: "skipped", durationMs: 0, reason: "workerd is not installed" },
        ],
      })),
      passed: 2,
      failed: 2,
      skipped: 2,
    });
    expect(text.split("\n")).toEqual([
      "scenario  node  deno  workerd",
      "a         pass  FAIL  skip 1",
      "b         pass  FAIL  skip 1",
      "runtimes: node 20",
      "",
      "failed:",
      "  a on deno, b on deno:",
      "    deno exited with 1 before reporting:",
      "    SyntaxError",
      "",
      "skipped:",
      "  1. workerd is not installed",
      "",
      "2 passed, 2 failed, 2 skipped",
    ]);
  });
});
