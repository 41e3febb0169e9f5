/**
 * `createApp({ cluster })` with worker TaskManagers on Node, in process: what reaches the server
 * from jobs whose subtasks run in other isolates, and what a cluster cannot do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerCluster } from "../adapters/node/worker-cluster.ts";
import type { WorkerCluster } from "../core/index.ts";
import { createApp, type EddyApp } from "./app.ts";
import { eventually } from "./testing/fixtures.ts";

let cluster: WorkerCluster;
let app: EddyApp;
const printed: string[] = [];

beforeAll(async () => {
  cluster = await workerCluster({ taskManagers: 2, slotsPerTaskManager: 2 });
  app = createApp({ cluster, print: (line) => void printed.push(line) });
}, 30_000);
afterAll(async () => {
  await app?.shutdown();
  await cluster?.close();
});

async function call(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await app.request(route, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
  return { status: res.status, json: await res.json() };
}

describe("jobs from specs on worker TaskManagers", () => {
  it("prints the lines of print sinks on the server, as Flink's print sink writes them", async () => {
    const records = Array.from({ length: 6 }, (_, i) => ({ i }));
    const submitted = await call("POST", "/jobs", {
      name: "printed on the server",
      parallelism: 2,
      sources: [{ type: "collection", records }],
      operators: [{ type: "project", select: ["i"], parallelism: 2 }],
      sinks: [{ type: "print", prefix: "out" }],
    });
    expect(submitted.status).toBe(202);
    await eventually("the job to finish", async () => ((await call("GET", `/jobs/${submitted.json.jobid}`)).json.state === "FINISHED" ? true : undefined));
    // Subtask n (1-based) of 2 prefixes its lines with "out:n> ", whichever TaskManager it ran on.
    expect(printed.map((l) => JSON.parse(l.replace(/^out:[12]> /, "")).i).sort()).toEqual(records.map((r) => r.i));
    for (const line of printed) expect(line).toMatch(/^out:[12]> \{"i":\d\}$/);
    const { vertices } = (await call("GET", `/jobs/${submitted.json.jobid}`)).json;
    expect(vertices.at(-1).subtasks.map((s: { "taskmanager-id": string }) => s["taskmanager-id"]).sort()).toEqual(["tm-1", "tm-2"]);
  });

  it("refuses a file sink with 400 naming it when the output is in memory, out of the TaskManagers' reach", async () => {
    const r = await call("POST", "/jobs", {
      name: "files",
      sources: [{ type: "collection", records: [{ a: 1 }] }],
      sinks: [{ type: "collect" }, { type: "file", path: "out" }],
      checkpointing: { interval: 100 },
    });
    expect(r.status).toBe(400);
    expect(r.json.fields).toEqual([{ path: "sinks[1]", message: expect.stringMatching(/^expected a server with an output directory: file sinks of jobs on TaskManagers/) }]);
    expect((await call("GET", "/jobs/overview")).json.jobs.map((j: { name: string }) => j.name)).not.toContain("files");
  });
});
