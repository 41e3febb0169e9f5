/**
 * Savepoints move between Node and the edge: one taken by `eddy serve` on Node is uploaded to a
 * Worker in workerd (`POST /savepoints`) and a job there resumes from it; one taken on the edge is
 * downloaded (`GET /savepoints?location=`) and a job on Node resumes from it. Each time the
 * resumed job reads only what the first did not, yet its running sum covers every record: the
 * state came across.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../bin/serve.ts";
import { awaitFinished, getJson, postJson, submitJob } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";

const COUNT = 3_000;

/** A running sum of the record index 0..COUNT-1 (one key), generated at a pace a savepoint can interrupt. */
function spec(name: string, savepoint?: string) {
  return {
    name,
    sources: [{ type: "generator", fields: { n: { kind: "sequence" }, g: { kind: "choice", values: ["all"] } }, count: COUNT, ratePerSecond: 1_000 }],
    operators: [
      { type: "keyBy", field: "g" },
      { type: "aggregate", fn: "sum", field: "n", as: "s" },
    ],
    sinks: [{ type: "collect", maxRecords: 100_000 }],
    checkpointing: { interval: 100 },
    ...(savepoint !== undefined ? { savepoint: { path: savepoint } } : {}),
  };
}

/** Stops a job with a savepoint; its location. */
async function stopWithSavepoint(base: string, id: string): Promise<string> {
  const stop = await postJson(base, `/jobs/${id}/stop`, {});
  expect(stop.status, JSON.stringify(stop.json)).toBe(202);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = await getJson(base, `/jobs/${id}/savepoints/${stop.json["request-id"]}`);
    if (t.status.id === "COMPLETED") {
      expect(t.operation["failure-cause"], JSON.stringify(t)).toBeUndefined();
      return t.operation.location as string;
    }
    if (Date.now() > deadline) throw new Error(`savepoint of ${id} did not complete: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `spec` from a savepoint to its end; what the resumed job emitted. */
async function resumed(base: string, body: unknown): Promise<{ s: number }[]> {
  const jobId = await submitJob(base, body);
  await awaitFinished(base, jobId, 60_000);
  return (await getJson(base, `/jobs/${jobId}/results?limit=100000`)).records;
}

/** Started, run a little, stopped with a savepoint: the savepoint's location. */
async function interrupted(base: string, name: string): Promise<string> {
  const jobId = await submitJob(base, spec(name));
  // Stopped once some records are in, far from all of them (COUNT at 1 000/s takes 3 s).
  while ((await getJson(base, `/jobs/${jobId}/results?limit=1`)).total === 0) await new Promise((r) => setTimeout(r, 20));
  return stopWithSavepoint(base, jobId);
}

function expectSumOfAll(records: readonly { s: number }[]): void {
  // The resumed job read only the records after the savepoint...
  expect(records.length).toBeGreaterThan(0);
  expect(records.length).toBeLessThan(COUNT);
  // ...and its sum includes those before it.
  expect(Math.max(...records.map((r) => r.s))).toBe((COUNT * (COUNT - 1)) / 2);
}

describe("savepoints between Node and the edge", () => {
  let edge: EdgeDeployment;
  let node: Awaited<ReturnType<typeof startServer>>;
  let checkpointDir: string;

  beforeAll(async () => {
    edge = await EdgeDeployment.start("savepoints");
    // The Node server keeps its files in the deployment's folder too, removed with it.
    checkpointDir = path.join(edge.dir, "node-checkpoints");
    node = await startServer({ port: 0, taskManagers: 0, checkpointDir, dataDir: path.join(edge.dir, "node-data"), quiet: true });
  }, 60_000);
  afterAll(async () => {
    await node?.close();
    await edge?.close();
  });

  it("a savepoint taken on Node restores on the edge", async () => {
    const location = await interrupted(node.url, "sum on node");
    const bytes = await readFile(path.join(checkpointDir, location, "_metadata"));
    const upload = await fetch(`${edge.server.url}/savepoints`, { method: "POST", body: bytes });
    expect(upload.status).toBe(201);
    const imported = (await upload.json()) as { location: string };
    expectSumOfAll(await resumed(edge.server.url, spec("sum on the edge", imported.location)));
  }, 120_000);

  it("a savepoint taken on the edge restores on Node", async () => {
    const location = await interrupted(edge.server.url, "sum on the edge, first");
    const download = await fetch(`${edge.server.url}/savepoints?location=${encodeURIComponent(location)}`);
    expect(download.status).toBe(200);
    await mkdir(path.join(checkpointDir, "from-edge", "savepoint-1"), { recursive: true });
    await writeFile(path.join(checkpointDir, "from-edge", "savepoint-1", "_metadata"), new Uint8Array(await download.arrayBuffer()));
    expectSumOfAll(await resumed(node.url, spec("sum on node, resumed", "from-edge/savepoint-1")));
  }, 120_000);
});
