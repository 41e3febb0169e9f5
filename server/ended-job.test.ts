import { describe, expect, it } from "vitest";
import { JobClient, LocalExecutor } from "../core/index.ts";
import { Channel } from "../core/runtime/channel.ts";
import { JobMaster } from "../core/runtime/job-master.ts";
import { createApp } from "./app.ts";
import { eventually } from "./testing/fixtures.ts";

/**
 * Paths from `root` to runtime objects (clients, masters, executors, channels) by own properties,
 * array items and map and set entries; a function found on the way counts too, since what its
 * closure holds cannot be seen.
 */
function runtimeReachable(root: object): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const queue: [unknown, string][] = [[root, "entry"]];
  while (queue.length > 0) {
    const [value, path] = queue.shift()!;
    if (typeof value === "function") {
      found.push(`${path} (a function)`);
      continue;
    }
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof JobClient || value instanceof JobMaster || value instanceof LocalExecutor || value instanceof Channel) {
      found.push(`${path} (${value.constructor.name})`);
      continue;
    }
    if (value instanceof Map) for (const [k, v] of value) queue.push([k, `${path}.key`], [v, `${path}.get(${String(k)})`]);
    else if (value instanceof Set) for (const v of value) queue.push([v, `${path}.item`]);
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      if ("value" in d) queue.push([d.value, `${path}.${String(key)}`]);
    }
  }
  return found;
}

describe("regression #13.11: an ended job leaves nothing of its runtime in the registry", () => {
  it("lets go of the client, executor and channels once a job is cancelled, and still answers for it", async () => {
    const app = createApp();
    const call = async (method: string, route: string, body?: unknown): Promise<any> => {
      const res = await app.request(route, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
      return { status: res.status, json: await res.json() };
    };
    const submitted = await call("POST", "/jobs", {
      name: "wide and fast",
      parallelism: 8,
      sources: [{ type: "generator", shape: "page-views" }],
      operators: [{ type: "keyBy", field: "page" }, { type: "aggregate", fn: "count", as: "views" }],
      sinks: [{ type: "collect", maxRecords: 1_000 }],
      checkpointing: { interval: 100 },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.json.jobid as string;
    const entry = app.registry.get(id)!;
    await eventually("records and a checkpoint", async () => {
      const stats = (await call("GET", `/jobs/${id}/checkpoints`)).json;
      return entry.results!.total > 1_000 && stats.counts.completed >= 1 ? true : undefined;
    });
    // While it runs, the entry holds the job's client (and through it the executor).
    expect(runtimeReachable(entry)).toContain("entry.client (JobClient)");
    const shape = (vertices: { id: string; name: string; parallelism: number; maxParallelism: number }[]) => vertices.map(({ id, name, parallelism, maxParallelism }) => ({ id, name, parallelism, maxParallelism }));
    const whileRunning = { vertices: shape((await call("GET", `/jobs/${id}`)).json.vertices), plan: (await call("GET", `/jobs/${id}/plan`)).json };

    expect((await call("PATCH", `/jobs/${id}`)).status).toBe(202);
    await eventually("the job to be cancelled and let go", async () => (entry.client.getJobStatus() === "CANCELED" && entry.live === undefined ? true : undefined));
    expect(runtimeReachable(entry)).toEqual([]);
    expect(runtimeReachable(app.registry)).toEqual([]);

    // The API still shows the ended job: its graph, counts, checkpoints and results.
    const details = (await call("GET", `/jobs/${id}`)).json;
    expect(details).toMatchObject({ jid: id, state: "CANCELED" });
    expect(shape(details.vertices)).toEqual(whileRunning.vertices);
    expect(details.vertices.map((v: { parallelism: number }) => v.parallelism)).toEqual(details.vertices.map(() => 8));
    expect(details.vertices[0].metrics["write-records"]).toBeGreaterThan(1_000);
    expect((await call("GET", `/jobs/${id}/plan`)).json).toEqual(whileRunning.plan);
    const checkpoints = (await call("GET", `/jobs/${id}/checkpoints`)).json;
    expect(checkpoints.counts.completed).toBeGreaterThanOrEqual(1);
    const results = (await call("GET", `/jobs/${id}/results`)).json;
    expect(results).toMatchObject({ total: entry.results!.total, kept: 1_000 });
    expect(results.records).toHaveLength(1_000);
    expect((await call("GET", `/jobs/${id}/metrics?get=numRestarts`)).json).toEqual([{ id: "numRestarts", value: "0" }]);
    expect((await call("GET", `/jobs/${id}/exceptions`)).json).toMatchObject({ "root-exception": null });
    expect((await call("GET", `/jobs/${id}/sources/${details.vertices[0].id}/partitions`)).status).toBe(404);
    expect((await call("GET", "/overview")).json).toMatchObject({ "jobs-cancelled": 1, "slots-available": 256 });
    await app.shutdown();
  });
});
