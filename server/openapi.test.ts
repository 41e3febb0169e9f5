import { describe, expect, it } from "vitest";
import { createApp } from "./app.ts";
import { eventually } from "./testing/fixtures.ts";

type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; required?: string[]; allOf?: Schema[]; items?: Schema };

describe("/openapi.json describes the routes the app serves", () => {
  const app = createApp();
  const doc = (): Promise<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, Schema> } }> => Promise.resolve(app.request("/openapi.json")).then((r) => r.json());

  it("lists every route with its method", async () => {
    const { paths } = await doc();
    const routes = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([a-z]+)/g, "{$1}")}`);
    const described = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(routes.filter((r) => !described.includes(r))).toEqual([]);
    expect(described.filter((d) => !routes.includes(d))).toEqual([]);
  });

  it("gives the TaskManager and vertex endpoints the response schemas of what they answer", async () => {
    const { paths, components } = await doc();
    /** The field names a schema requires, through $ref and allOf. */
    const fields = (s: Schema): string[] => {
      if (s.$ref !== undefined) return fields(components.schemas[s.$ref.slice("#/components/schemas/".length)]!);
      if (s.allOf !== undefined) return s.allOf.flatMap(fields);
      return s.required ?? [];
    };
    const responseSchema = (path: string): Schema => (paths[path]!.get as { responses: { 200: { content: { "application/json": { schema: Schema } } } } }).responses[200].content["application/json"].schema;

    const list = (await (await app.request("/taskmanagers")).json()) as { taskmanagers: Record<string, unknown>[] };
    expect(Object.keys(list)).toEqual(fields(responseSchema("/taskmanagers")));
    expect(Object.keys(list.taskmanagers[0]!).sort()).toEqual(fields(components.schemas.TaskManagerInfo!).sort());
    const detail = (await (await app.request(`/taskmanagers/${list.taskmanagers[0]!.id}`)).json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(detail).sort()).toEqual(fields(responseSchema("/taskmanagers/{taskmanagerid}")).sort());
    expect(Object.keys(detail.metrics!).sort()).toEqual(fields(components.schemas.TaskManagerMetricsInfo!).sort());

    const submitted = await app.request("/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "two records", sources: [{ type: "collection", records: [{ a: 1 }, { a: 2 }] }], sinks: [{ type: "collect" }] }) });
    const { jobid } = (await submitted.json()) as { jobid: string };
    await eventually("the job to finish", async () => ((await (await app.request(`/jobs/${jobid}`)).json()).state === "FINISHED" ? true : undefined));
    const { vertices } = (await (await app.request(`/jobs/${jobid}`)).json()) as { vertices: { id: string }[] };
    const vertex = (await (await app.request(`/jobs/${jobid}/vertices/${vertices[0]!.id}`)).json()) as { subtasks: Record<string, unknown>[] };
    expect(Object.keys(vertex).sort()).toEqual(fields(responseSchema("/jobs/{jobid}/vertices/{vertexid}")).sort());
    expect(Object.keys(vertex.subtasks[0]!).sort()).toEqual(fields(components.schemas.SubtaskExecutionAttemptDetailsInfo!).sort());
    expect(vertex.subtasks[0]).toMatchObject({ subtask: 0, status: "FINISHED", "taskmanager-id": "local" });
  });
});
