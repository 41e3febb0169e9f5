/**
 * `eddy conformance --url` as a user runs it: the HTTP-level scenarios against `eddy serve` on
 * Node, Deno and Bun and against the API's workerd Worker, each started as a deployment would be.
 */
import { describe, expect, it } from "vitest";
import type { ConformanceMatrix } from "../conformance/runner/matrix.ts";
import { type ServerUnderTest, TEST_TOKEN, serveOn, serveOnWorkerd } from "../server/testing/fixtures.ts";
import { runCli } from "./testing/run-cli.ts";

const SCENARIOS = ["http-overview", "http-submit-and-watch", "http-savepoint-stop-resume", "http-cancel", "http-error-cases"];

/** Runs `eddy conformance <args>` to its end (EDDY_TOKEN cleared: the token is passed or not, as each test says). */
const conformance = (args: readonly string[]) => runCli(["conformance", ...args], { EDDY_TOKEN: undefined });

async function against(start: () => Promise<ServerUnderTest>, args: readonly string[]): Promise<{ code: number | null; matrix: ConformanceMatrix; stderr: string }> {
  const server = await start();
  try {
    const run = await conformance(["--url", server.url, "--json", ...args]);
    return { code: run.code, matrix: JSON.parse(run.stdout) as ConformanceMatrix, stderr: run.stderr };
  } finally {
    await server.close();
  }
}

const outcome = (matrix: ConformanceMatrix): Record<string, string> => Object.fromEntries(matrix.rows.map((r) => [r.scenario, r.cells[0]!.status === "failed" ? `failed: ${r.cells[0]!.error}` : r.cells[0]!.status]));

describe("#17: eddy conformance --url", () => {
  for (const runtime of ["node", "deno", "bun"] as const) {
    it(`passes every HTTP-level scenario against eddy serve on ${runtime}`, async () => {
      const { code, matrix, stderr } = await against(() => serveOn(runtime), ["--token", TEST_TOKEN]);
      expect(outcome(matrix)).toEqual(Object.fromEntries(SCENARIOS.map((s) => [s, "passed"])));
      expect(code, stderr).toBe(0);
    }, 180_000);
  }

  it("against the workerd Worker: passes what a Worker runs, and skips what needs jobs to run on between requests, saying so", async () => {
    const { code, matrix, stderr } = await against(() => serveOnWorkerd(), ["--token", TEST_TOKEN]);
    expect(outcome(matrix)).toEqual({ "http-overview": "passed", "http-submit-and-watch": "passed", "http-savepoint-stop-resume": "skipped", "http-cancel": "skipped", "http-error-cases": "passed" });
    for (const row of matrix.rows.filter((r) => r.cells[0]!.status === "skipped")) expect(row.cells[0]!.reason).toMatch(/^jobs here do not run on between requests \(a Worker without Durable Objects\)/);
    expect(code, stderr).toBe(0);
  }, 180_000);

  it("fails a scenario naming the 401 when the deployment needs a token and none is given, and prints the matrix", async () => {
    const server = await serveOn("bun");
    try {
      const run = await conformance(["--url", server.url, "--filter", "http-overview"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`http-overview  FAIL`);
      expect(run.stdout).toContain("GET /overview answered 401");
      expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("0 passed, 1 failed, 0 skipped");
    } finally {
      await server.close();
    }
  }, 60_000);

  it("refuses --url with options that choose runtimes here, and a URL that is not http", async () => {
    const mixed = await conformance(["--url", "http://127.0.0.1:1", "--runtime", "node"]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain("[eddy] --url runs the HTTP-level scenarios against a deployment: --runtime would choose runtimes here; drop it or drop --url");
    const ftp = await conformance(["--url", "ftp://host"]);
    expect(ftp.stderr).toContain(`[eddy] --url must be an http:// or https:// URL, got "ftp://host"`);
  }, 60_000);
});
