/**
 * Every endpoint Eddy shares with Flink answers in Flink's shape: each live response is validated
 * against Flink's published response schema (server/testing/flink-rest-v1-dispatcher.yml), with
 * every documented field required, as Flink's Jackson sends them all. The places where Flink's
 * generated specification and Flink's answers differ are listed in testing/flink-spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestartStrategies, StreamExecutionEnvironment } from "../core/index.ts";
import { type EddyApp, createApp } from "./app.ts";
import { JobRegistry } from "./job-registry.ts";
import { eventually } from "./testing/fixtures.ts";
import { type FlinkSpec, flinkSpec } from "./testing/flink-spec.ts";

const spec = {
  name: "views per page",
  parallelism: 2,
  sources: [{ type: "generator", shape: "page-views", ratePerSecond: 2_000 }],
  operators: [
    { type: "keyBy", field: "page" },
    { type: "window", kind: "tumbling", time: "event", size: 100 },
    { type: "aggregate", fn: "count", as: "views" },
  ],
  sinks: [{ type: "collect", maxRecords: 100 }],
  checkpointing: { interval: 50 },
};

describe("regression #14.1: Eddy's answers validate against Flink's published response schemas", () => {
  let app: EddyApp;
  let flink: FlinkSpec;
  let jobid: string;
  let failing: string;
  const checked = new Set<string>();

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await app.request(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
    return { status: res.status, json: await res.json() };
  };
  /** Calls `path` (a Flink template filled with `params`) and validates the answer against Flink's schema of that route and status. */
  const conforms = async (method: string, template: string, params: Record<string, string> = {}, body?: unknown): Promise<any> => {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);
    const { status, json } = await call(method, path, body);
    const validate = flink.validator(method, template, status);
    expect(validate, `Flink documents no ${status} answer of ${method} ${template} (got ${JSON.stringify(json).slice(0, 300)})`).toBeDefined();
    const ok = validate!(json);
    expect(ok ? [] : validate!.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), `${method} ${path}`).toEqual([]);
    checked.add(`${method} ${template}`);
    return json;
  };

  beforeAll(async () => {
    flink = flinkSpec();
    const registry = new JobRegistry();
    app = createApp({ registry });
    jobid = (await call("POST", "/jobs", spec)).json.jobid;

    // A job built in code that fails once and is restarted: its exceptions have an entry.
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env.setRestartStrategy(RestartStrategies.fixedDelay(1, 0));
    let failed = false;
    env
      .fromCollection([1, 2, 3])
      .map((n) => {
        if (!failed && n === 2) {
          failed = true;
          throw new Error("record 2 is odd");
        }
        return n;
      })
      .print();
    const client = env.prepare("fails once");
    client.start();
    registry.add(client);
    failing = client.jobId;

    await eventually("a completed checkpoint", async () => ((await call("GET", `/jobs/${jobid}/checkpoints`)).json.counts?.completed >= 2 ? true : undefined));
    await eventually("the failing job to finish", async () => ((await call("GET", `/jobs/${failing}`)).json.state === "FINISHED" ? true : undefined));
  });
  afterAll(async () => {
    await app.shutdown();
  });

  it("cluster endpoints: /config, /overview, /jobmanager/config, /taskmanagers", async () => {
    await conforms("GET", "/config");
    await conforms("GET", "/overview");
    const config = await conforms("GET", "/jobmanager/config");
    expect(config).toContainEqual({ key: "web.cancel.enable", value: "true" });
    const { taskmanagers } = await conforms("GET", "/taskmanagers");
    await conforms("GET", "/taskmanagers/{taskmanagerid}", { taskmanagerid: taskmanagers[0].id });
  });

  it("job endpoints: list, overview, details, status, config, plan, exceptions, metrics", async () => {
    const { jobs } = await conforms("GET", "/jobs");
    expect(jobs.map((j: { id: string }) => j.id).sort()).toEqual([jobid, failing].sort());
    await conforms("GET", "/jobs/overview");
    const details = await conforms("GET", "/jobs/{jobid}", { jobid });
    expect(details.vertices.length).toBeGreaterThanOrEqual(2);
    for (const v of details.vertices) expect(v.metrics).toMatchObject({ "read-bytes": 0, "read-bytes-complete": false, "write-bytes": 0, "write-bytes-complete": false });
    expect(await conforms("GET", "/jobs/{jobid}/status", { jobid })).toEqual({ status: "RUNNING" });
    const config = await conforms("GET", "/jobs/{jobid}/config", { jobid });
    expect(config).toMatchObject({ jid: jobid, name: spec.name, "execution-config": { "job-parallelism": 2 } });
    // Flink's default restart strategy with checkpointing: exponential delay.
    expect(config["execution-config"]["restart-strategy"]).toMatch(/^ExponentialDelayRestartBackoffTimeStrategy|^ExponentialDelay/);
    await conforms("GET", "/jobs/{jobid}/plan", { jobid });
    await conforms("GET", "/jobs/{jobid}/metrics", { jobid });

    const exceptions = await conforms("GET", "/jobs/{jobid}/exceptions", { jobid: failing });
    expect(exceptions["root-exception"]).toContain("record 2 is odd");
    expect(exceptions.exceptionHistory.entries).toHaveLength(1);
    await conforms("GET", "/jobs/{jobid}/exceptions", { jobid });
    // The job built in code has a restart strategy of its own.
    expect((await conforms("GET", "/jobs/{jobid}/config", { jobid: failing }))["execution-config"]["restart-strategy"]).toBe("FixedDelayRestartStrategy(maxNumberRestartAttempts=1, backoffTimeMS=0)");
  });

  it("vertex endpoints: details, subtask times, backpressure, watermarks", async () => {
    const { vertices } = (await call("GET", `/jobs/${jobid}`)).json as { vertices: { id: string; name: string }[] };
    for (const v of vertices) {
      const params = { jobid, vertexid: v.id };
      const detail = await conforms("GET", "/jobs/{jobid}/vertices/{vertexid}", params);
      expect(detail.subtasks.map((s: { subtask: number }) => s.subtask)).toEqual([0, 1]);
      expect(detail.aggregated.metrics["write-records"].sum).toBe(detail.subtasks.reduce((n: number, s: { metrics: { "write-records": number } }) => n + s.metrics["write-records"], 0));
      const times = await conforms("GET", "/jobs/{jobid}/vertices/{vertexid}/subtasktimes", params);
      expect(times).toMatchObject({ id: v.id, name: v.name });
      for (const s of times.subtasks) expect(s.timestamps.RUNNING).toBeGreaterThan(0);
      await conforms("GET", "/jobs/{jobid}/vertices/{vertexid}/backpressure", params);
      await conforms("GET", "/jobs/{jobid}/vertices/{vertexid}/watermarks", params);
    }
  });

  it("checkpoint endpoints: statistics, config, details and per-vertex subtasks, triggers", async () => {
    const stats = await conforms("GET", "/jobs/{jobid}/checkpoints", { jobid });
    const latest = stats.latest.completed;
    expect(latest).toMatchObject({ clazz: "completed", status: "COMPLETED", checkpoint_type: "CHECKPOINT", is_savepoint: false });
    for (const field of ["min", "max", "avg"]) for (const s of Object.values(stats.summary) as Record<string, number>[]) expect(Number.isInteger(s[field])).toBe(true);
    // The summary is over the completed checkpoints in the history.
    const durations = stats.history.filter((h: { status: string }) => h.status === "COMPLETED").map((h: { end_to_end_duration: number }) => h.end_to_end_duration);
    expect(stats.summary.end_to_end_duration.min).toBe(Math.min(...durations));
    expect(stats.summary.end_to_end_duration.max).toBe(Math.max(...durations));
    expect(stats.summary.end_to_end_duration.avg).toBe(Math.floor(durations.reduce((a: number, b: number) => a + b, 0) / durations.length));

    const config = await conforms("GET", "/jobs/{jobid}/checkpoints/config", { jobid });
    expect(config).toMatchObject({ mode: "exactly_once", interval: 50, unaligned_checkpoints: false });

    const details = await conforms("GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}", { jobid, checkpointid: String(latest.id) });
    const { vertices } = (await call("GET", `/jobs/${jobid}`)).json as { vertices: { id: string }[] };
    expect(Object.keys(details.tasks).sort()).toEqual(vertices.map((v) => v.id).sort());
    for (const v of vertices) {
      expect(details.tasks[v.id]).toMatchObject({ id: latest.id, status: "COMPLETED", num_subtasks: 2, num_acknowledged_subtasks: 2 });
      const subtasks = await conforms("GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}/subtasks/{vertexid}", { jobid, checkpointid: String(latest.id), vertexid: v.id });
      expect(subtasks.subtasks.map((s: { clazz: string; index: number }) => [s.clazz, s.index])).toEqual([["completed", 0], ["completed", 1]]);
      // Each subtask acknowledged after the trigger and no later than the checkpoint's last acknowledgement.
      for (const s of subtasks.subtasks) {
        expect(s.ack_timestamp).toBeGreaterThanOrEqual(latest.trigger_timestamp);
        expect(s.ack_timestamp).toBeLessThanOrEqual(latest.latest_ack_timestamp);
      }
    }

    const checkpoint = await conforms("POST", "/jobs/{jobid}/checkpoints", { jobid }, {});
    await eventually("the checkpoint trigger to complete", async () => ((await call("GET", `/jobs/${jobid}/checkpoints/${checkpoint["request-id"]}`)).json.status.id === "COMPLETED" ? true : undefined));
    await conforms("GET", "/jobs/{jobid}/checkpoints/{triggerid}", { jobid, triggerid: checkpoint["request-id"] });

    const savepoint = await conforms("POST", "/jobs/{jobid}/savepoints", { jobid }, {});
    await eventually("the savepoint to complete", async () => ((await call("GET", `/jobs/${jobid}/savepoints/${savepoint["request-id"]}`)).json.status.id === "COMPLETED" ? true : undefined));
    await conforms("GET", "/jobs/{jobid}/savepoints/{triggerid}", { jobid, triggerid: savepoint["request-id"] });
    const withSavepoint = await conforms("GET", "/jobs/{jobid}/checkpoints", { jobid });
    expect(withSavepoint.latest.savepoint).toMatchObject({ clazz: "completed", checkpoint_type: "SAVEPOINT", is_savepoint: true });

    const stop = await conforms("POST", "/jobs/{jobid}/stop", { jobid }, { drain: false });
    await eventually("the job to stop", async () => ((await call("GET", `/jobs/${jobid}/status`)).json.status === "FINISHED" ? true : undefined));
    await conforms("GET", "/jobs/{jobid}/savepoints/{triggerid}", { jobid, triggerid: stop["request-id"] });
    // What an ended job leaves answers in the same shapes.
    await conforms("GET", "/jobs/{jobid}/checkpoints", { jobid });
    await conforms("GET", "/jobs/{jobid}/checkpoints/config", { jobid });
    await conforms("GET", "/jobs/{jobid}/config", { jobid });
  });

  it("covers every route of the fixture", () => {
    expect(flink.routes.filter((r) => !checked.has(r))).toEqual([]);
  });
});
