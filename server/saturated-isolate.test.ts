/**
 * A job that keeps the server's own isolate busy (`--task-managers 0`) must leave the API
 * answering: the executor yields to the event loop, and each yield must let I/O in. A yield that
 * only posts to a MessageChannel does not on Node or Deno (a port delivers many messages before
 * the loop polls for I/O again), and requests then waited until the job ended.
 */
import { describe, expect, it } from "vitest";
import { callApi, serveOn } from "./testing/fixtures.ts";

describe.each(["node", "deno", "bun"] as const)("regression: a job saturating the server's isolate on %s", (runtime) => {
  it("leaves GET /jobs/overview answering while it runs", async () => {
    const server = await serveOn(runtime, { taskManagers: 0 });
    try {
      const { jobid } = await callApi(server, "POST", "/jobs", {
        name: "saturating",
        sources: [{ type: "generator", fields: { k: { kind: "int", min: 0, max: 99 } } }],
        operators: [{ type: "keyBy", field: "k" }, { type: "window", kind: "tumbling", size: 100 }, { type: "aggregate", fn: "count" }],
        sinks: [{ type: "collect", maxRecords: 10 }],
      });
      // The unthrottled generator keeps the isolate busy for as long as the job runs.
      for (let i = 0; i < 20; i++) {
        const overview = await callApi(server, "GET", "/jobs/overview");
        expect(overview.jobs.find((j: { jid: string }) => j.jid === jobid)?.state).toBe("RUNNING");
      }
      const detail = await callApi(server, "GET", `/jobs/${jobid}`);
      expect(detail.vertices[0].metrics["write-records"]).toBeGreaterThan(0);
      await callApi(server, "PATCH", `/jobs/${jobid}?mode=cancel`);
    } finally {
      await server.close();
    }
  }, 30_000);
});
