/**
 * The conformance scenarios through the Durable Object deployment: each scenario's job is
 * submitted to a bundled Worker in workerd (storage on disk), runs on a JobManager object and
 * TaskManager objects (one per slot, so every exchange crosses objects by RPC), and its
 * collected output must equal the scenario's independently computed expectation, as on Node.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareOutputs, loadScenario, scenarioNames } from "../../conformance/index.ts";
import { bundleEdge } from "../../bin/bundle.ts";
import { EdgeServer } from "./testing/edge-server.ts";
import { awaitJob, postJson } from "./testing/edge-client.ts";

const scenarios = await Promise.all(scenarioNames.map(async (name) => [name, await loadScenario(name)] as const));
const conformance = fileURLToPath(new URL("../../conformance/index.ts", import.meta.url));

describe("conformance scenarios on Durable Objects (workerd)", () => {
  let server: EdgeServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "eddy-edge-conformance-"));
    server = await EdgeServer.start(await bundleEdge({ modules: { conformance }, outDir: dir }));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, scenario] of scenarios) {
    if ("run" in scenario) {
      // These drive their own jobs (failures, restores, a manual clock) through a ScenarioContext
      // in the runner's isolate; through the HTTP API a job is submitted and watched, not steered.
      it.skip(`${name} (drives its own jobs)`, () => {});
      continue;
    }
    it(name, async () => {
      const submitted = await postJson(server.url, "/jobs", { name, job: { module: "conformance", export: "scenarioJob", params: { name } }, parallelism: scenario.parallelism, resultsCapacity: 1_000_000 });
      expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
      const job = await awaitJob(server.url, submitted.json.jobid, ["FINISHED", "FAILED"], 30_000);
      expect(job.state, JSON.stringify(job)).toBe("FINISHED");
      const results = await (await fetch(`${server.url}/jobs/${submitted.json.jobid}/results?limit=100000`)).json();
      expect(results.total).toBe(results.records.length);
      expect(compareOutputs(results.records, scenario.expected(), scenario.compare)).toBeUndefined();
    }, 40_000);
  }
});
