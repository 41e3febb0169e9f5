/**
 * A source's PID rate controller from a job spec: what it does to the source, and where its rate
 * and inputs show (`/jobs/:id/metrics`, `/metrics`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type EddyApp } from "./app.ts";
import { type Answer, eventually, readAnswer } from "./testing/fixtures.ts";

let app: EddyApp;

beforeAll(() => {
  app = createApp();
});
afterAll(async () => {
  await app?.shutdown();
});

async function call(method: string, route: string, body?: unknown): Promise<Answer> {
  return readAnswer(await app.request(route, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) }));
}

const metric = async (jobid: string, id: string): Promise<number | undefined> => {
  const values = (await call("GET", `/jobs/${jobid}/metrics?get=${id}`)).json as { id: string; value: string }[];
  return values.length === 1 ? Number(values[0]!.value) : undefined;
};

describe("a rate controller named in a job spec", () => {
  it("holds an unthrottled generator to the controller's bounds and reports its rate and inputs", async () => {
    const maxRate = 2_000;
    const submitted = await call("POST", "/jobs", {
      name: "rated",
      sources: [{ type: "generator", shape: "page-views", rateController: { intervalMs: 100, minRate: 200, maxRate } }],
      operators: [{ type: "keyBy", field: "page" }, { type: "window", kind: "tumbling", size: 1_000 }, { type: "aggregate", fn: "count" }],
      sinks: [{ type: "collect", maxRecords: 10 }],
    });
    expect(submitted.status).toBe(202);
    const jobid = submitted.json.jobid as string;
    const source = (await call("GET", `/jobs/${jobid}`)).json.vertices[0].id as string;
    // Until the first estimate the source is unlimited (-1); then the controller sets a rate within its bounds.
    const rate = await eventually("the controller's first rate", async () => {
      const r = await metric(jobid, `${source}.rateControllerRate`);
      return r !== undefined && r > 0 ? r : undefined;
    });
    expect(rate).toBeGreaterThanOrEqual(200);
    expect(rate).toBeLessThanOrEqual(maxRate);
    expect(await metric(jobid, `${source}.rateControllerElements`)).toBeGreaterThan(0);
    expect(await metric(jobid, `${source}.rateControllerProcessingDelayMs`)).toBeGreaterThan(0);
    expect(await metric(jobid, `${source}.rateControllerSchedulingDelayMs`)).toBeGreaterThanOrEqual(0);
    // Held to at most maxRate, the generator (unthrottled on its own) reads no faster than that.
    const before = (await call("GET", `/jobs/${jobid}`)).json.vertices[0].metrics["write-records"] as number;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1_500));
    const after = (await call("GET", `/jobs/${jobid}`)).json.vertices[0].metrics["write-records"] as number;
    const perSecond = ((after - before) / (Date.now() - t0)) * 1000;
    expect(perSecond).toBeLessThan(maxRate * 1.5);
    expect(perSecond).toBeGreaterThan(0);
    const prom = (await call("GET", "/metrics")).text;
    expect(prom).toMatch(new RegExp(`eddy_source_rate_limit_records_per_second\\{job_id="${jobid}",job_name="rated",vertex_id="${source}",vertex_name="[^"]+"\\} \\d`));
    expect(prom).toContain("# TYPE eddy_source_rate_controller_processing_delay_ms gauge");
    expect((await call("PATCH", `/jobs/${jobid}?mode=cancel`)).status).toBe(202);
  });

  it("answers a malformed controller with 400 naming each bad field", async () => {
    const bad = await call("POST", "/jobs", {
      name: "bad rates",
      sources: [{ type: "generator", count: 10, rateController: { minRate: 0, proportional: -1, intervalMs: 1, every: 5 } }],
      sinks: [{ type: "collect" }],
    });
    expect(bad.status).toBe(400);
    const fields = Object.fromEntries(bad.json.fields.map((f: { path: string; message: string }) => [f.path, f.message]));
    expect(fields).toMatchObject({
      "sources[0].rateController.minRate": "expected a minimum rate in records/s > 0",
      "sources[0].rateController.proportional": "expected the proportional gain, a number >= 0",
      "sources[0].rateController.intervalMs": "expected a duration in ms >= 10",
      "sources[0].rateController.every": "unknown field",
    });
    const kafkaOnly = await call("POST", "/jobs", { name: "x", sources: [{ type: "generator", count: 1, maxRatePerPartition: 10 }], sinks: [{ type: "collect" }] });
    expect(kafkaOnly.status).toBe(400);
    expect(kafkaOnly.json.fields).toContainEqual({ path: "sources[0].maxRatePerPartition", message: "unknown field" });
  });
});
