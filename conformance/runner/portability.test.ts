import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RuntimeName } from "../scenario.ts";
import { type PortabilityHosts, runPortability } from "./portability.ts";
import { type Found, type RuntimeCommand, findRuntime } from "./runtimes.ts";
import { type ConformanceWorker, startConformanceWorker } from "./workerd.ts";

describe("#17: the savepoint portability matrix", () => {
  let worker: Found<ConformanceWorker>;
  beforeAll(async () => {
    worker = await startConformanceWorker();
  });
  afterAll(async () => {
    if (worker !== undefined && "found" in worker) await worker.found.close();
  });

  test("a savepoint taken on each of Node, Deno, Bun and workerd restores on each, committing the uninterrupted output", async () => {
    const hosts: PortabilityHosts = new Map<RuntimeName, Found<RuntimeCommand | ConformanceWorker>>([
      ["node", findRuntime("node")],
      ["deno", findRuntime("deno")],
      ["bun", findRuntime("bun")],
      ["workerd", worker],
    ]);
    const result = await runPortability(hosts, { cwd: process.cwd(), concurrency: 2 });
    const cells = result.cells.map((c) => `${c.from} -> ${c.to}: ${c.status}${c.error !== undefined ? ` (${c.error})` : c.reason !== undefined ? ` (${c.reason})` : ""}`);
    expect(cells).toEqual(result.cells.map((c) => `${c.from} -> ${c.to}: passed`));
    expect(result.cells).toHaveLength(16);
  }, 300_000);
});
