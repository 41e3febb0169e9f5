import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { StreamExecutionEnvironment } from "../../core/index.ts";
import type { WorkerCluster } from "../../core/cluster/worker-cluster.ts";
import { expectedWindowCounts } from "../../conformance/jobs/cluster-jobs.ts";
import { workerCluster } from "./worker-cluster.ts";

const jobs = new URL("../../conformance/jobs/cluster-jobs.ts", import.meta.url).href;
let cluster: WorkerCluster;

beforeAll(async () => {
  cluster = await workerCluster({ taskManagers: 2, slotsPerTaskManager: 2 });
}, 30_000);
afterAll(() => cluster?.close());

describe("worker TaskManagers on Node", () => {
  test("a keyed window count whose keyBy crosses TaskManagers gives the reference output", async () => {
    const params = { events: 20_000, keys: 7 };
    const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster });
    const stream = await env.build<string>({ module: jobs, export: "keyedWindowCounts", params });
    const out = await stream!.executeAndCollect("window counts");
    expect(out.sort()).toEqual(expectedWindowCounts(params));
  }, 30_000);
});
