/**
 * The HTTP API of a bundled Worker in workerd (Durable Object storage on disk) runs job specs
 * on its Durable Objects: `POST /jobs` a spec, `GET /jobs/:id` shows it, and its results are read
 * over `GET /jobs/:id/results`; all of it outlives a restart of workerd.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleEdge } from "../../bin/bundle.ts";
import { awaitJob, getJson, postJson } from "./testing/edge-client.ts";
import { EdgeServer } from "./testing/edge-server.ts";
import { canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";

describe("the HTTP API on Durable Objects (workerd)", () => {
  let dir: string;
  let server: EdgeServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "eddy-edge-api-"));
    server = await EdgeServer.start(await bundleEdge({ outDir: dir }));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs a windowed spec posted to /jobs, shows it on /jobs/:id and gives its results on /jobs/:id/results, also after a restart", async () => {
    const records = readings(11, 400);
    const spec = {
      name: "window sums",
      parallelism: 2,
      sources: [{ type: "collection", records, timestampField: "ts", watermark: { maxOutOfOrdernessMs: 40 } }],
      operators: windowSumOperators,
      sinks: [{ type: "collect" }],
      checkpointing: { interval: 100 },
    };
    const submitted = await postJson(server.url, "/jobs", spec);
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    const id: string = submitted.json.jobid;
    const job = await awaitJob(server.url, id, ["FINISHED", "FAILED", "CANCELED"], 30_000);
    expect(job.state, JSON.stringify(job)).toBe("FINISHED");
    expect(job.name).toBe("window sums");
    const expected = windowSums(records);
    const results = await getJson(server.url, `/jobs/${id}/results?limit=100000`);
    expect(results.total).toBe(expected.length);
    expect(canonicalSums(results.records)).toEqual(expected);

    // Jobs, their state and results are in Durable Object storage, not in the isolate.
    await server.kill();
    await server.restart();
    expect((await getJson(server.url, "/jobs")).jobs).toContainEqual({ id, status: "FINISHED" });
    expect(canonicalSums((await getJson(server.url, `/jobs/${id}/results?limit=100000`)).records)).toEqual(expected);
  }, 90_000);

  it("refuses a spec it cannot run with an error naming the entry", async () => {
    const answer = await postJson(server.url, "/jobs", { name: "to a file", sources: [{ type: "collection", records: [{ a: 1 }] }], sinks: [{ type: "file", path: "out" }], checkpointing: { interval: 100 } });
    expect(answer.status).toBe(501);
    expect(JSON.stringify(answer.json)).toContain("sinks[0]");
  });

  it("answers 404 for a job it does not have", async () => {
    const res = await fetch(`${server.url}/jobs/${"0".repeat(32)}`);
    expect(res.status).toBe(404);
  });
});
