/**
 * `/openapi.json` tells the truth: it is generated from the routes, it documents every route the
 * app serves, and every answer of every route, for each status it documents, validates against
 * the schema it gives for that status. Each documented (route, status) pair is provoked at least
 * once.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestartStrategies, StreamExecutionEnvironment } from "../core/index.ts";
import { type EddyApp, createApp } from "./app.ts";
import { type ComponentRuntime, unavailableComponentRuntime } from "./components.ts";
import { JobRegistry } from "./job-registry.ts";
import { unavailableKafkaRuntime } from "./kafka.ts";
import { TEST_TOKEN, eventually } from "./testing/fixtures.ts";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: { schemas: Record<string, object> } };

/** Reads the world from the bytes as the real runtime reads it from a component: here, any body starting with \0asm is a map operator. */
const stubComponents: ComponentRuntime = {
  readWorld: async (bytes) =>
    bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d
      ? { world: "eddy:operator/map-operator@0.1.0", imports: [], exports: ["eddy:operator/map@0.1.0"] }
      : { world: undefined, imports: [], exports: [] },
  compile: async () => ({}),
  provider: async () => {
    throw new Error("not used");
  },
};

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  parallelism: 2,
  sources: [{ type: "generator", shape: "page-views", ratePerSecond: 2_000 }],
  operators: [{ type: "keyBy", field: "page" }, { type: "window", kind: "tumbling", time: "event", size: 100 }, { type: "aggregate", fn: "count", as: "views" }],
  sinks: [{ type: "collect", maxRecords: 100 }],
  checkpointing: { interval: 50 },
  ...extra,
});

describe("regression #14.2: /openapi.json is generated from the routes and every answer validates against it", () => {
  let app: EddyApp;
  let bare: EddyApp;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const observed = new Set<string>();

  type Auth = "token" | "none" | "wrong" | "malformed";
  const headers = (auth: Auth): Record<string, string> =>
    auth === "token" ? { authorization: `Bearer ${TEST_TOKEN}` } : auth === "wrong" ? { authorization: "Bearer not-the-token" } : auth === "malformed" ? { authorization: "Basic abc" } : {};

  /**
   * Calls `method template` (a documented path, filled from `params`) and checks the answer's
   * status is documented and its body validates against the documented schema.
   */
  const call = async (
    method: string,
    template: string,
    options: { params?: Record<string, string>; query?: string; body?: BodyInit | object; contentType?: string; auth?: Auth; on?: EddyApp } = {},
  ): Promise<{ status: number; json: any }> => {
    const path = template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(options.params?.[n] ?? `unknown-${n}`)) + (options.query ?? "");
    const body = options.body === undefined || options.body instanceof Uint8Array || typeof options.body === "string" ? (options.body as BodyInit | undefined) : JSON.stringify(options.body);
    const res = await (options.on ?? app).request(path, {
      method,
      body,
      headers: { ...headers(options.auth ?? "token"), ...(body !== undefined ? { "content-type": options.contentType ?? "application/json" } : {}) },
    });
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const documented = operation!.responses[String(res.status)];
    const text = await res.text();
    expect(documented, `${method} ${path} answered ${res.status}, which /openapi.json does not document: ${text.slice(0, 300)}`).toBeDefined();
    const media = (res.headers.get("content-type") ?? "").split(";")[0]!;
    const schema = documented!.content?.[media]?.schema;
    expect(schema, `${method} ${template} ${res.status} documents ${media}`).toBeDefined();
    const json = media === "application/json" ? JSON.parse(text) : text;
    const validate = ajv.compile({ ...schema, components: doc.components });
    const ok = validate(json);
    expect(ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), `${method} ${path} ${res.status}`).toEqual([]);
    observed.add(`${method} ${template} ${res.status}`);
    return { status: res.status, json };
  };

  let running: string;
  let ended: string;
  let noCheckpoints: string;
  let failing: string;

  beforeAll(async () => {
    const registry = new JobRegistry();
    app = createApp({ token: TEST_TOKEN, registry, components: stubComponents, maxSlots: 6, maxBodyBytes: 64 * 1024, maxArtifactBytes: 1024 });
    bare = createApp({ components: unavailableComponentRuntime("not on this server"), kafka: unavailableKafkaRuntime("not on this server") });
    doc = (await (await app.request("/openapi.json")).json()) as Doc;

    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env.setRestartStrategy(RestartStrategies.noRestart());
    env.fromCollection([1, 2]).map((n) => {
      if (n === 2) throw new Error("two is too many");
      return n;
    }).print();
    const client = env.prepare("fails");
    client.start();
    registry.add(client);
    failing = client.jobId;
  });
  afterAll(async () => {
    await app.shutdown();
    await bare.shutdown();
  });

  it("documents exactly the routes the app serves", () => {
    const served = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([a-z]+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect([...new Set(served)].sort()).toEqual(documented.sort());
    // Real schemas, not placeholders: every JSON answer names a component or has properties.
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, r] of Object.entries(op.responses)) {
          const schema = r.content?.["application/json"]?.schema as { $ref?: string } | undefined;
          if (schema !== undefined && path !== "/openapi.json") expect(schema.$ref, `${method} ${path} ${status}`).toMatch(/^#\/components\/schemas\//);
        }
      }
    }
  });

  it("answers jobs, their vertices and checkpoints as documented", async () => {
    running = (await call("POST", "/jobs", { body: spec("runs") })).json.jobid;
    ended = (await call("POST", "/jobs", { body: spec("ends") })).json.jobid;
    const { checkpointing: _none, ...withoutCheckpoints } = spec("no checkpoints", { parallelism: 1 });
    noCheckpoints = (await call("POST", "/jobs", { body: withoutCheckpoints })).json.jobid;
    await call("PATCH", "/jobs/{jobid}", { params: { jobid: ended }, query: "?mode=cancel" });
    await eventually("a completed checkpoint", async () => ((await call("GET", "/jobs/{jobid}/checkpoints", { params: { jobid: running } })).json.counts.completed >= 1 ? true : undefined));
    await eventually("the cancelled job to end", async () => ((await call("GET", "/jobs/{jobid}/status", { params: { jobid: ended } })).json.status === "CANCELED" ? true : undefined));
    await eventually("the failing job to fail", async () => ((await call("GET", "/jobs/{jobid}/status", { params: { jobid: failing } })).json.status === "FAILED" ? true : undefined));

    for (const path of ["/", "/openapi.json", "/config", "/overview", "/jobmanager/config", "/taskmanagers", "/metrics", "/jobs", "/jobs/overview", "/artifacts"]) await call("GET", path);
    const { taskmanagers } = (await call("GET", "/taskmanagers")).json;
    await call("GET", "/taskmanagers/{taskmanagerid}", { params: { taskmanagerid: taskmanagers[0].id } });

    for (const jobid of [running, ended, noCheckpoints, failing]) {
      for (const path of ["/jobs/{jobid}", "/jobs/{jobid}/status", "/jobs/{jobid}/config", "/jobs/{jobid}/plan", "/jobs/{jobid}/exceptions", "/jobs/{jobid}/metrics", "/jobs/{jobid}/checkpoints", "/jobs/{jobid}/checkpoints/config"]) {
        await call("GET", path, { params: { jobid } });
      }
      await call("GET", "/jobs/{jobid}/metrics", { params: { jobid }, query: "?get=numRestarts,uptime" });
      await call("GET", "/jobs/{jobid}/results", { params: { jobid }, query: "?limit=5" });
    }
    const { vertices } = (await call("GET", "/jobs/{jobid}", { params: { jobid: running } })).json as { vertices: { id: string }[] };
    for (const v of vertices) {
      for (const path of ["/jobs/{jobid}/vertices/{vertexid}", "/jobs/{jobid}/vertices/{vertexid}/subtasktimes", "/jobs/{jobid}/vertices/{vertexid}/backpressure", "/jobs/{jobid}/vertices/{vertexid}/watermarks", "/jobs/{jobid}/sources/{vertexid}/partitions"]) {
        await call("GET", path, { params: { jobid: running, vertexid: v.id } });
      }
    }
    const { history } = (await call("GET", "/jobs/{jobid}/checkpoints", { params: { jobid: running } })).json as { history: { id: number }[] };
    // The newest: older ones roll out of the kept history as checkpoints go on.
    const checkpointid = String(history[0]!.id);
    await call("GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}", { params: { jobid: running, checkpointid } });
    await call("GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}", { params: { jobid: running, checkpointid: "999999" } });
    await call("GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}/subtasks/{vertexid}", { params: { jobid: running, checkpointid, vertexid: vertices[0]!.id } });
    await call("GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}/subtasks/{vertexid}", { params: { jobid: running, checkpointid } });

    // Triggers: accepted (202), then reported; refused for an ended job or one without checkpointing (409).
    for (const [path, body] of [["/jobs/{jobid}/checkpoints", {}], ["/jobs/{jobid}/savepoints", {}]] as const) {
      const id = (await call("POST", path, { params: { jobid: running }, body })).json["request-id"];
      const status = path.endsWith("checkpoints") ? "/jobs/{jobid}/checkpoints/{triggerid}" : "/jobs/{jobid}/savepoints/{triggerid}";
      await eventually(`${path} to complete`, async () => ((await call("GET", status, { params: { jobid: running, triggerid: id } })).json.status.id === "COMPLETED" ? true : undefined));
      await call("POST", path, { params: { jobid: ended }, body });
      await call("POST", path, { params: { jobid: noCheckpoints }, body });
      await call("POST", path, { params: { jobid: running }, body: { unknown: 1 } });
      await call("POST", path, { params: { jobid: running }, body: `{"triggerId":"${"x".repeat(70 * 1024)}"}` });
    }
    await call("POST", "/jobs/{jobid}/stop", { params: { jobid: ended }, body: {} });
    await call("POST", "/jobs/{jobid}/stop", { params: { jobid: running }, body: { drain: "yes" } });
    await call("POST", "/jobs/{jobid}/stop", { params: { jobid: running }, body: `{"drain":false,"x":"${"x".repeat(70 * 1024)}"}` });
    const stop = (await call("POST", "/jobs/{jobid}/stop", { params: { jobid: running }, body: {} })).json["request-id"];
    await eventually("the stop to complete", async () => ((await call("GET", "/jobs/{jobid}/savepoints/{triggerid}", { params: { jobid: running, triggerid: stop } })).json.status.id === "COMPLETED" ? true : undefined));

    // Cancel: refused once ended, and for an unknown mode.
    await call("PATCH", "/jobs/{jobid}", { params: { jobid: ended }, query: "?mode=cancel" });
    await call("PATCH", "/jobs/{jobid}", { params: { jobid: noCheckpoints }, query: "?mode=stop" });
    await call("PATCH", "/jobs/{jobid}", { params: { jobid: noCheckpoints } });
  });

  it("answers submissions and uploads as documented: bad specs, too large, over the limits, unavailable", async () => {
    await call("POST", "/jobs", { body: { name: "bad", sources: [] } });
    await call("POST", "/jobs", { body: JSON.stringify(spec("huge", { padding: "x".repeat(70 * 1024) })) });
    await call("POST", "/jobs", { body: spec("too wide", { parallelism: 8 }) });
    await call("POST", "/jobs", { on: bare, auth: "none", body: { name: "kafka", sources: [{ type: "kafka", bootstrapServers: ["localhost:9092"], topics: ["t"], groupId: "g" }], sinks: [{ type: "collect" }] } });

    const component = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const created = await call("POST", "/artifacts", { body: component, contentType: "application/wasm" });
    expect(created.status).toBe(201);
    expect((await call("POST", "/artifacts", { body: component, contentType: "application/wasm" })).status).toBe(200);
    await call("GET", "/artifacts/{id}", { params: { id: created.json.id } });
    await call("POST", "/artifacts", { body: new Uint8Array([1, 2, 3]), contentType: "application/wasm" });
    await call("POST", "/artifacts", { body: new Uint8Array(4096), contentType: "application/wasm" });
    await call("POST", "/artifacts", { on: bare, auth: "none", body: component, contentType: "application/wasm" });
  });

  it("answers unknown ids 404 and requests without the right token 401, 403 or 400, on every guarded route", async () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const M = method.toUpperCase();
        const documented = Object.keys(methods[method]!.responses);
        if (documented.includes("404")) await call(M, path, { body: M === "GET" || M === "PATCH" ? undefined : {} });
        if (!documented.includes("401")) continue;
        for (const auth of ["none", "wrong", "malformed"] as const) await call(M, path, { auth, params: { jobid: running }, body: M === "GET" || M === "PATCH" ? undefined : {} });
      }
    }
  });

  it("provoked every status of every route it documents", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).flatMap(([m, op]) => Object.keys(op.responses).map((s) => `${m.toUpperCase()} ${path} ${s}`)));
    expect(documented.filter((d) => !observed.has(d))).toEqual([]);
  });
});
