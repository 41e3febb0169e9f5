/**
 * The HTTP suite every runtime's server runs (vitest drives it over fetch; the server runs on
 * Node, Deno, Bun or workerd): submit a job spec with a WASM operator, watch it, read
 * backpressure, watermarks and checkpoints, take a savepoint, stop, resubmit from the
 * savepoint, cancel; and bad specs, bad tokens (reads included), unknown ids, oversize uploads,
 * deeply nested bodies and the limits on jobs and slots, some on servers started otherwise
 * (reads opened, small limits); and where jobs run on worker TaskManagers, their placement and
 * slots, and a runaway component stopped by its CPU budget while the rest of the server goes on.
 */
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, TEST_MAX_ARTIFACT_BYTES, TEST_TOKEN, type ServerUnderTest, type TestServerOptions, eventually, readAnswer } from "./testing/fixtures.ts";

/** What a runtime's server can do. */
export interface SuiteOptions {
  /** The runtime compiles components at run time (not workerd). */
  readonly wasm: boolean;
  /** The uppercase-map component (only when `wasm`). */
  readonly component?: () => Promise<Uint8Array>;
  /**
   * Jobs keep running between requests (false on workerd: a job started by one request does
   * not progress once the response is sent; that needs a Durable Object driving it).
   */
  readonly jobs?: boolean;
  /** The server can build Kafka sources and sinks (not workerd). Default true. */
  readonly kafka?: boolean;
  /** Submitted jobs run on worker TaskManagers, one per core by default (`eddy serve`, not workerd). */
  readonly cluster?: boolean;
  /** A map component that loops forever on a record holding "spin" (with `wasm` and `cluster`). */
  readonly loopComponent?: () => Promise<Uint8Array>;
}

/** Registers the suite against the servers `start` returns (the suite's own, and a few configured otherwise). */
export function httpSuite(name: string, start: (options?: Omit<TestServerOptions, "kafkaBrokers">) => Promise<ServerUnderTest>, options: SuiteOptions): void {
  describe(`HTTP API on ${name}`, () => {
    const jobs = options.jobs ?? true;
    let server: ServerUnderTest;
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    const callAt = async (base: string, method: string, route: string, body?: unknown, headers: Record<string, string> = auth): Promise<Answer> => {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body instanceof Uint8Array) {
        init.body = body as BodyInit;
        (init.headers as Record<string, string>)["content-type"] = "application/wasm";
      } else if (typeof body === "string") init.body = body;
      else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
      return readAnswer(await fetch(`${base}${route}`, init));
    };
    const call = (method: string, route: string, body?: unknown, headers: Record<string, string> = auth): Promise<Answer> => callAt(server.url, method, route, body, headers);
    const state = async (jobid: string): Promise<string> => (await call("GET", `/jobs/${jobid}`)).json.state;
    const awaitState = (jobid: string, wanted: string) => eventually(`job ${jobid} ${wanted}`, async () => ((await state(jobid)) === wanted ? true : undefined));
    const awaitTrigger = (jobid: string, kind: "savepoints" | "checkpoints", id: string) =>
      eventually(`${kind} trigger ${id}`, async () => {
        const r = await call("GET", `/jobs/${jobid}/${kind}/${id}`);
        return r.json?.status?.id === "COMPLETED" ? r.json : undefined;
      });

    let artifact = "";
    let jobid = "";
    let savepoint = "";

    const pipeline = (extra: Record<string, unknown> = {}) => ({
      name: `clicks-${name}`,
      parallelism: 2,
      sources: [{ type: "generator", shape: "page-views", ratePerSecond: 4_000, watermark: { maxOutOfOrdernessMs: 0 } }],
      operators: [
        ...(options.wasm ? [{ type: "wasm", kind: "map", artifact }] : []),
        { type: "keyBy", field: options.wasm ? "PAGE" : "page" },
        { type: "window", kind: "tumbling", time: "event", size: 200 },
        { type: "aggregate", fn: "count", as: "views" },
      ],
      sinks: [{ type: "collect", maxRecords: 5_000 }],
      checkpointing: { interval: 100 },
      ...extra,
    });

    /** A job of one slot that needs no component: a slow generator into a collect sink. */
    const small = (extra: Record<string, unknown> = {}) => ({
      name: `small-${name}`,
      sources: [{ type: "generator", shape: "page-views", ratePerSecond: 100 }],
      sinks: [{ type: "collect", maxRecords: 100 }],
      checkpointing: { interval: 1_000 },
      ...extra,
    });

    beforeAll(async () => {
      server = await start();
    }, 60_000);
    afterAll(async () => {
      await server?.close();
    });

    it("serves Flink's /overview and /config, and /openapi.json from the validating schemas", async () => {
      const overview = await call("GET", "/overview");
      expect(overview.status).toBe(200);
      expect(overview.json).toMatchObject({ "jobs-running": expect.any(Number), "flink-version": expect.stringMatching(/^eddy-/) });
      const taskManagers = (await call("GET", "/taskmanagers")).json.taskmanagers as { id: string; slotsNumber: number }[];
      expect(overview.json.taskmanagers).toBe(taskManagers.length);
      if (options.cluster) {
        // One worker per core by default, 4 slots each, and every slot counts.
        expect(taskManagers.length).toBeGreaterThanOrEqual(1);
        expect(taskManagers.length).toBeLessThanOrEqual(os.cpus().length);
        for (const tm of taskManagers) expect(tm).toMatchObject({ id: expect.stringMatching(/^tm-\d+$/), slotsNumber: 4 });
        expect(overview.json["slots-total"]).toBe(4 * taskManagers.length);
      } else {
        expect(taskManagers).toEqual([expect.objectContaining({ id: "local", slotsNumber: overview.json["slots-total"] })]);
      }
      expect((await call("GET", "/config")).json).toMatchObject({ "refresh-interval": expect.any(Number) });
      const doc = (await call("GET", "/openapi.json")).json;
      expect(doc.openapi).toBe("3.1.0");
      expect(doc.components.schemas.JobSpec.required).toEqual(expect.arrayContaining(["name", "sources", "sinks"]));
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/jobs/{jobid}/vertices/{vertexid}/backpressure", "/artifacts"]));
    });

    describe("regression #13.10: the bearer token guards reads too, unless reads are opened", () => {
      it("answers every read and change without the token 401, with a wrong one 403, a malformed header 400", async () => {
        const submitted = await call("POST", "/jobs", small());
        expect(submitted.status, submitted.text).toBe(202);
        const id = submitted.json.jobid;
        const reads = ["/overview", "/config", "/metrics", "/jobs", "/jobs/overview", `/jobs/${id}`, `/jobs/${id}/plan`, `/jobs/${id}/results`, `/jobs/${id}/metrics`, `/jobs/${id}/checkpoints`, `/jobs/${id}/exceptions`, "/artifacts"];
        for (const route of reads) {
          const none = await call("GET", route, undefined, {});
          expect(none.status, route).toBe(401);
          expect(none.headers.get("www-authenticate"), route).toMatch(/^Bearer realm="eddy"/);
          expect(none.json, route).toEqual({ errors: ["[eddy] this request needs a bearer token: send Authorization: Bearer <token>"] });
          const wrong = await call("GET", route, undefined, { authorization: "Bearer wrong" });
          expect(wrong.status, route).toBe(403);
          expect(wrong.json, route).toEqual({ errors: ["[eddy] the bearer token is not valid for this server"] });
          expect((await call("GET", route)).status, route).toBe(200);
        }
        const none = await call("POST", "/jobs", small(), {});
        expect(none.status).toBe(401);
        expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect((await call("POST", "/jobs", small(), { authorization: "Bearer wrong" })).status).toBe(403);
        expect((await call("POST", "/artifacts", new Uint8Array([0, 97, 115, 109]), { authorization: "Bearer wrong" })).status).toBe(403);
        expect((await call("PATCH", `/jobs/${id}`, undefined, { authorization: "Bearer wrong" })).status).toBe(403);
        const malformed = await call("GET", "/jobs/overview", undefined, { authorization: `Basic ${TEST_TOKEN}` });
        expect(malformed.status).toBe(400);
        expect(malformed.json.errors[0]).toMatch(/Authorization header is malformed: expected "Bearer <token>"/);
        expect((await call("PATCH", `/jobs/${id}`)).status).toBe(202);
      });

      it("serves the dashboard page and the API description without the token", async () => {
        const page = await call("GET", "/", undefined, {});
        expect(page.status).toBe(200);
        expect(page.headers.get("content-type")).toMatch(/^text\/html/);
        const doc = await call("GET", "/openapi.json", undefined, {});
        expect(doc.status).toBe(200);
        expect(doc.json.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
      });

      describe("on a server started with reads opened", () => {
        let open: ServerUnderTest | undefined;
        beforeAll(async () => {
          open = await start({ publicReads: true });
        }, 60_000);
        afterAll(async () => {
          await open?.close();
        });

        it("answers reads without a token and still guards every change", async () => {
          const at = (method: string, route: string, body?: unknown, headers?: Record<string, string>) => callAt(open!.url, method, route, body, headers);
          expect((await at("POST", "/jobs", small(), {})).status).toBe(401);
          expect((await at("POST", "/jobs", small(), { authorization: "Bearer wrong" })).status).toBe(403);
          const submitted = await at("POST", "/jobs", small());
          expect(submitted.status, submitted.text).toBe(202);
          const id = submitted.json.jobid;
          for (const route of ["/overview", "/metrics", "/jobs/overview", `/jobs/${id}`, `/jobs/${id}/results`, `/jobs/${id}/metrics`, "/artifacts"]) {
            expect((await at("GET", route, undefined, {})).status, route).toBe(200);
          }
          expect((await at("PATCH", `/jobs/${id}`, undefined, {})).status).toBe(401);
          expect((await at("POST", `/jobs/${id}/savepoints`, {}, {})).status).toBe(401);
          expect((await at("PATCH", `/jobs/${id}`)).status).toBe(202);
        });
      });
    });

    it("refuses oversize uploads with 413 and non-components with 400", async () => {
      const big = await call("POST", "/artifacts", new Uint8Array(TEST_MAX_ARTIFACT_BYTES + 1));
      expect(big.status).toBe(413);
      expect(big.json.errors[0]).toMatch(/too large/);
      if (options.wasm) {
        const junk = await call("POST", "/artifacts", new TextEncoder().encode("not wasm at all"));
        expect(junk.status).toBe(400);
        expect(junk.json.errors[0]).toMatch(/not WebAssembly/);
      }
    });

    it.runIf(options.wasm)("stores a component by sha256 and reports its world", async () => {
      const bytes = await options.component!();
      const first = await call("POST", "/artifacts", bytes);
      expect(first.status).toBe(201);
      expect(first.json).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{64}$/), world: "map-operator", size: bytes.length });
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
      expect(first.json.id).toBe(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
      const again = await call("POST", "/artifacts", bytes);
      expect(again.status).toBe(200);
      expect(again.json.id).toBe(first.json.id);
      artifact = first.json.id;
    });

    it("answers an invalid job spec with 400 naming each bad field and what was expected", async () => {
      const bad = await call("POST", "/jobs", {
        name: "bad",
        parallelism: 0,
        sources: [{ type: "generatr" }],
        operators: [{ type: "keyBy", field: "page" }, { type: "window", kind: "tumbling", size: -5 }, { type: "aggregate", fn: "avg" }],
        sinks: [{ type: "collect", extra: 1 }],
      });
      expect(bad.status).toBe(400);
      const fields = Object.fromEntries(bad.json.fields.map((f: { path: string; message: string }) => [f.path, f.message]));
      expect(fields).toMatchObject({
        parallelism: "expected a positive integer",
        "sources[0].type": expect.stringMatching(/expected type to be one of generator, collection, kafka/),
        "operators[1].size": "expected a positive integer",
        "operators[2].fn": expect.stringMatching(/count, sum, min, max/),
        "sinks[0].extra": "unknown field",
      });
      expect(bad.json.errors).toContain("operators[1].size: expected a positive integer");
      const order = await call("POST", "/jobs", { ...pipeline(), operators: [{ type: "window", kind: "sliding", size: 100 }] });
      expect(order.status).toBe(400);
      expect(order.json.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(["operators[0].slide", "operators[1]"]));
      expect((await call("POST", "/jobs", "{not json")).status).toBe(400);
      const kafka = await call("POST", "/jobs", { ...pipeline(), operators: [], sources: [{ type: "kafka", bootstrapServers: ["localhost:9092"], topics: ["t"], properties: { "isolation.level": "dirty" } }] });
      if (options.kafka ?? true) {
        // The property is only understood by eddy/kafka: still a 400 naming the source, before anything runs.
        expect(kafka.status).toBe(400);
        expect(kafka.json.fields[0]).toMatchObject({ path: "sources[0]", message: expect.stringMatching(/isolation\.level must be read_committed or read_uncommitted, got "dirty"/) });
      } else {
        expect(kafka.status).toBe(501);
        expect(kafka.json.errors[0]).toMatch(/sources\[0\]: Kafka is not available here/);
      }
      const eos = await call("POST", "/jobs", { ...pipeline(), checkpointing: { interval: 30_000 }, sinks: [{ type: "kafka", bootstrapServers: ["localhost:9092"], topic: "out", deliveryGuarantee: "EXACTLY_ONCE" }] });
      expect(eos.status).toBe(400);
      expect(eos.json.fields).toEqual(
        expect.arrayContaining([
          { path: "sinks[0].transactionalIdPrefix", message: expect.stringMatching(/transactional id prefix/) },
          { path: 'sinks[0].properties["transaction.timeout.ms"]', message: expect.stringMatching(/at least 3x the checkpoint interval \(90000 ms\), got 60000/) },
        ]),
      );
      const missing = await call("POST", "/jobs", { ...pipeline(), operators: [{ type: "wasm", kind: "map", artifact: "0".repeat(64) }] });
      expect(missing.status).toBe(400);
      expect(missing.json.fields[0]).toMatchObject({ path: "operators[0].artifact", message: expect.stringMatching(/POST \/artifacts/) });
    });

    it("never lets a body reach a prototype or a path outside the server's directories", async () => {
      const polluting = `{"name":"p","sources":[{"type":"collection","records":[{"a":1,"__proto__":{"polluted":true}}]}],"sinks":[{"type":"collect"}],"constructor":{"prototype":{"polluted":true}}}`;
      const r = await call("POST", "/jobs", polluting, { ...auth, "content-type": "application/json" });
      expect(r.status).toBe(400);
      expect(r.json.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(["sources[0].records[0].__proto__", "constructor"]));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const escape = await call("POST", "/jobs", { ...pipeline(), sinks: [{ type: "file", path: "../../etc" }] });
      expect(escape.status).toBe(400);
      expect(escape.json.fields[0].path).toBe("sinks[0].path");
      const absolute = await call("POST", "/jobs", { ...pipeline(), savepoint: { path: "/etc/passwd" } });
      expect(absolute.status).toBe(400);
      expect(absolute.json.fields[0].path).toBe("savepoint.path");
      const notThere = await call("POST", "/jobs", { ...pipeline(), savepoint: { path: "nope/savepoint-1" } });
      expect(notThere.status).toBe(400);
      expect(notThere.json.fields[0].message).toMatch(/expected a savepoint location/);
    });

    describe.runIf(jobs)("regression #13.12: cancelling a job that has ended", () => {
      it("answers 409 naming the state of a FINISHED or CANCELED job", async () => {
        const bounded = await call("POST", "/jobs", { name: "three records", sources: [{ type: "collection", records: [{ a: 1 }, { a: 2 }, { a: 3 }] }], sinks: [{ type: "collect" }] });
        expect(bounded.status, bounded.text).toBe(202);
        await awaitState(bounded.json.jobid, "FINISHED");
        const finished = await call("PATCH", `/jobs/${bounded.json.jobid}?mode=cancel`);
        expect(finished.status).toBe(409);
        expect(finished.json.errors[0]).toBe(`[eddy] job "${bounded.json.jobid}" is FINISHED: only a job that has not ended can be cancelled`);

        const running = await call("POST", "/jobs", small());
        expect(running.status, running.text).toBe(202);
        expect((await call("PATCH", `/jobs/${running.json.jobid}`)).status).toBe(202);
        await awaitState(running.json.jobid, "CANCELED");
        const again = await call("PATCH", `/jobs/${running.json.jobid}`);
        expect(again.status).toBe(409);
        expect(again.json.errors[0]).toMatch(/is CANCELED: only a job that has not ended can be cancelled/);
      });
    });

    describe("regression #13.15: one exchange per key, and no checkpoints unless asked for", () => {
      it("runs a rolling aggregate after keyBy with one hash exchange", async () => {
        const records = Array.from({ length: 60 }, (_, i) => ({ user: `u${(i * 7) % 5}`, amount: (i % 4) + 1 }));
        const r = await call("POST", "/jobs", {
          name: "rolling sums",
          parallelism: 2,
          sources: [{ type: "collection", records }],
          operators: [{ type: "keyBy", field: "user" }, { type: "aggregate", fn: "sum", field: "amount", as: "total" }],
          sinks: [{ type: "collect" }],
        });
        expect(r.status, r.text).toBe(202);
        const plan = (await call("GET", `/jobs/${r.json.jobid}/plan`)).json.plan;
        const strategies = plan.nodes.flatMap((n: { inputs?: { ship_strategy: string }[] }) => (n.inputs ?? []).map((e) => e.ship_strategy));
        expect(strategies.filter((s: string) => s === "HASH")).toHaveLength(1);
        if (!jobs) return;
        await awaitState(r.json.jobid, "FINISHED");
        // Every record updates its user's running sum; the last update per user is the user's total.
        const results = (await call("GET", `/jobs/${r.json.jobid}/results`)).json.records as { key: string; total: number }[];
        expect(results).toHaveLength(records.length);
        const last = new Map(results.map((x) => [x.key, x.total]));
        const totals = new Map<string, number>();
        for (const x of records) totals.set(x.user, (totals.get(x.user) ?? 0) + x.amount);
        expect(last).toEqual(totals);
      });

      it("answers a job without checkpointing as Flink does: no checkpoint statistics, no savepoints", async () => {
        const r = await call("POST", "/jobs", small({ checkpointing: undefined }));
        expect(r.status, r.text).toBe(202);
        const id = r.json.jobid;
        const stats = await call("GET", `/jobs/${id}/checkpoints`);
        expect(stats.status).toBe(404);
        expect(stats.json.errors[0]).toMatch(/checkpointing has not been enabled/);
        for (const route of ["savepoints", "stop", "checkpoints"]) {
          const t = await call("POST", `/jobs/${id}/${route}`, {});
          expect(t.status, route).toBe(409);
          expect(t.json.errors[0], route).toMatch(/runs without checkpointing/);
        }
        expect((await call("GET", `/jobs/${id}/metrics?get=numberOfCompletedCheckpoints`)).json).toEqual([{ id: "numberOfCompletedCheckpoints", value: "0" }]);
        expect((await call("PATCH", `/jobs/${id}`)).status).toBe(202);
      });

      it("refuses a file sink without checkpointing: it would never commit", async () => {
        const r = await call("POST", "/jobs", small({ checkpointing: undefined, sinks: [{ type: "file", path: "out" }] }));
        expect(r.status).toBe(400);
        expect(r.json.fields).toEqual([{ path: "sinks[0]", message: expect.stringMatching(/commits its part files when a checkpoint completes: expected checkpointing/) }]);
      });
    });

    describe("regression #13.11: limits on running jobs and task slots", () => {
      let limited: ServerUnderTest | undefined;
      const at = (method: string, route: string, body?: unknown) => callAt(limited!.url, method, route, body);
      const sized = (parallelism: number) => small({ name: `parallelism ${parallelism}`, parallelism });
      const running: string[] = [];
      const submit = async (parallelism: number): Promise<Answer> => {
        const r = await at("POST", "/jobs", sized(parallelism));
        if (r.status === 202) running.push(r.json.jobid);
        return r;
      };
      const cancel = async (id: string): Promise<void> => {
        expect((await at("PATCH", `/jobs/${id}`)).status).toBe(202);
        await eventually(`job ${id} CANCELED`, async () => ((await at("GET", `/jobs/${id}`)).json.state === "CANCELED" ? true : undefined));
        running.splice(running.indexOf(id), 1);
      };
      beforeAll(async () => {
        limited = await start({ maxJobs: 2, maxSlots: 4 });
      }, 60_000);
      afterAll(async () => {
        await limited?.close();
      });

      it("answers 429 naming the limit and how to raise it", async () => {
        expect((await at("GET", "/overview")).json).toMatchObject({ "slots-total": 4, "slots-available": 4 });
        const tooWide = await submit(5);
        expect(tooWide.status).toBe(429);
        expect(tooWide.json.errors).toEqual(["[eddy] the job needs 5 task slots (its largest parallelism) but this server has 4; lower its parallelism or raise the limit (eddy serve --max-slots N)"]);

        expect((await submit(3)).status).toBe(202);
        expect((await at("GET", "/overview")).json).toMatchObject({ "slots-total": 4, "slots-available": 1 });
        const noRoom = await submit(2);
        expect(noRoom.status).toBe(429);
        expect(noRoom.json.errors).toEqual(["[eddy] not enough free task slots: the job needs 2 (its largest parallelism), 3 of 4 are taken; wait for a job to end, lower its parallelism, or raise the limit (eddy serve --max-slots N)"]);

        expect((await submit(1)).status).toBe(202);
        const tooMany = await submit(1);
        expect(tooMany.status).toBe(429);
        expect(tooMany.json.errors).toEqual(["[eddy] too many jobs: 2 of at most 2 are running; cancel or stop one, or raise the limit (eddy serve --max-jobs N)"]);
        expect((await at("GET", "/overview")).json).toMatchObject({ "jobs-running": 2, "slots-available": 0 });
      });

      it.runIf(jobs)("admits jobs again once others end, and no more than the limit when submissions race", async () => {
        for (const id of [...running]) await cancel(id);
        expect((await at("GET", "/overview")).json).toMatchObject({ "jobs-running": 0, "slots-available": 4 });
        const raced = await Promise.all([1, 1, 1, 1, 1].map(() => submit(1)));
        expect(raced.map((r) => r.status).sort()).toEqual([202, 202, 429, 429, 429]);
        for (const id of [...running]) await cancel(id);
        expect((await submit(4)).status).toBe(202);
      });
    });

    describe.runIf(options.cluster && jobs)("jobs on worker TaskManagers", () => {
      // Two TaskManagers of two slots each, and a short CPU budget for the runaway component.
      const BUDGET_MS = 1_500;
      let tms: ServerUnderTest | undefined;
      const at = (method: string, route: string, body?: unknown) => callAt(tms!.url, method, route, body);
      const stateAt = async (id: string): Promise<string> => (await at("GET", `/jobs/${id}`)).json.state;
      type TaskManager = { id: string; slotsNumber: number; freeSlots: number; timeSinceLastHeartbeat: number };
      const taskManagers = async (): Promise<TaskManager[]> => (await at("GET", "/taskmanagers")).json.taskmanagers;
      beforeAll(async () => {
        tms = await start({ taskManagers: 2, slots: 2, userCodeBudgetMs: BUDGET_MS });
      }, 60_000);
      afterAll(async () => {
        await tms?.close();
      });

      it("runs a keyed window aggregate at parallelism 2 on both TaskManagers, with the reference output", async () => {
        // 2 000 records/s, so every event-time millisecond holds two records, n = 2k and 2k + 1.
        const records = 6_000;
        const before = Date.now();
        const submitted = await at("POST", "/jobs", {
          name: "sums per millisecond",
          parallelism: 2,
          sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, count: records, ratePerSecond: 2_000 }],
          operators: [{ type: "keyBy", field: "ts" }, { type: "window", kind: "tumbling", size: 100 }, { type: "aggregate", fn: "sum", field: "n", as: "total" }],
          sinks: [{ type: "collect", maxRecords: records }],
        });
        const after = Date.now();
        expect(submitted.status, submitted.text).toBe(202);
        const id = submitted.json.jobid as string;
        await eventually(`job ${id} RUNNING`, async () => ((await stateAt(id)) === "RUNNING" ? true : undefined));

        // While it runs: subtask i of every vertex shares slot i, and the two slots are on the two TaskManagers.
        const running = (await at("GET", `/jobs/${id}`)).json;
        const ids = (await taskManagers()).map((tm) => tm.id).sort();
        expect(ids).toHaveLength(2);
        for (const v of running.vertices) expect(v.subtasks.map((s: { "taskmanager-id": string }) => s["taskmanager-id"]).sort()).toEqual(ids);
        for (const tm of await taskManagers()) {
          expect(tm).toMatchObject({ slotsNumber: 2, freeSlots: 1, timeSinceLastHeartbeat: expect.any(Number) });
          // Heap figures come with heartbeats, once a second.
          const detail = await eventually(`a heartbeat of ${tm.id}`, async () => {
            const d = (await at("GET", `/taskmanagers/${tm.id}`)).json;
            return d.metrics.heapUsed > 0 ? d : undefined;
          });
          expect(detail).toMatchObject({ id: tm.id, slotsNumber: 2, freeSlots: 1, metrics: { heapCommitted: expect.any(Number), heapMax: -1, garbageCollectors: [] } });
          expect(detail.metrics.heapCommitted).toBeGreaterThanOrEqual(detail.metrics.heapUsed);
          expect(detail.allocatedSlots).toEqual([{ jobId: id, resource: expect.objectContaining({ cpuCores: 0.5 }) }]);
        }
        expect((await at("GET", "/overview")).json).toMatchObject({ taskmanagers: 2, "slots-total": 4, "slots-available": 2 });

        await eventually(`job ${id} FINISHED`, async () => ((await stateAt(id)) === "FINISHED" ? true : undefined), 30_000);
        const results = ((await at("GET", `/jobs/${id}/results`)).json.records as { key: number; start: number; end: number; total: number }[]).sort((a, b) => a.key - b.key);
        // Event time starts at the submission: record i at first + floor(i / 2).
        const first = results[0]!.key;
        expect(first).toBeGreaterThanOrEqual(before);
        expect(first).toBeLessThanOrEqual(after);
        const expected = Array.from({ length: records / 2 }, (_, k) => {
          const ts = first + k;
          const start = ts - (ts % 100);
          return { key: ts, start, end: start + 100, total: 2 * k + (2 * k + 1) };
        });
        expect(results).toEqual(expected);
        // Once it has ended its slots are free again, and its vertices still say where they ran.
        for (const tm of await taskManagers()) expect(tm).toMatchObject({ slotsNumber: 2, freeSlots: 2 });
        const ended = (await at("GET", `/jobs/${id}`)).json;
        for (const v of ended.vertices) expect(v.subtasks.map((s: { "taskmanager-id": string }) => s["taskmanager-id"]).sort()).toEqual(ids);
        const unknown = await at("GET", "/taskmanagers/tm-99");
        expect(unknown.status).toBe(404);
        expect(unknown.json.errors[0]).toBe(`[eddy] TaskManager "tm-99" not found: this server has ${ids.join(", ")}`);
      }, 60_000);

      it("answers 429 for a job wider than the TaskManagers' slots, naming the flags that add some", async () => {
        const wide = await at("POST", "/jobs", small({ parallelism: 5 }));
        expect(wide.status).toBe(429);
        expect(wide.json.errors).toEqual(["[eddy] the job needs 5 task slots (its largest parallelism) but this server has 4 (2 TaskManagers); lower its parallelism or start more TaskManagers or slots (eddy serve --task-managers N --slots S)"]);
      });

      it.runIf(options.wasm)("stops a component that loops forever after its CPU budget; another job keeps producing and /overview keeps answering", async () => {
        const loop = await at("POST", "/artifacts", await options.loopComponent!());
        expect(loop.status, loop.text).toBe(201);
        const steady = (await at("POST", "/jobs", { name: "steady", sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, ratePerSecond: 200 }], sinks: [{ type: "collect", maxRecords: 100_000 }] })).json.jobid as string;
        const produced = async (): Promise<number> => (await at("GET", `/jobs/${steady}/results`)).json.total;
        await eventually("the steady job's first results", async () => ((await produced()) > 0 ? true : undefined));
        const runaway = await at("POST", "/jobs", {
          name: "runaway",
          sources: [{ type: "collection", records: [{ word: "one" }, { word: "spin" }, { word: "two" }] }],
          operators: [{ type: "wasm", kind: "map", artifact: loop.json.id, name: "spin" }],
          sinks: [{ type: "collect" }],
          restartStrategy: { type: "fixed-delay", attempts: 1, delay: 0 },
        });
        expect(runaway.status, runaway.text).toBe(202);
        const id = runaway.json.jobid as string;
        const before = await produced();
        // The API is polled throughout: the JobManager's event loop never runs user code.
        let slowest = 0;
        const deadline = Date.now() + 30_000;
        for (;;) {
          const t0 = performance.now();
          expect((await at("GET", "/overview")).status).toBe(200);
          slowest = Math.max(slowest, performance.now() - t0);
          if ((await stateAt(id)) === "FAILED") break;
          if (Date.now() > deadline) throw new Error(`[eddy] the runaway job did not fail within 30 s: ${JSON.stringify((await at("GET", `/jobs/${id}/exceptions`)).json)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        // Run in the server's isolate, the loop would have held every request for the whole budget
        // and beyond (nothing stops a loop there); half the budget leaves room for a loaded machine.
        expect(slowest).toBeLessThan(BUDGET_MS / 2);
        expect(await produced()).toBeGreaterThan(before);
        expect(await stateAt(steady)).toBe("RUNNING");

        // Tried again per its restart strategy (fixed-delay, 1 attempt): two failures, each naming what ran and the budget.
        const exceptions = (await at("GET", `/jobs/${id}/exceptions`)).json;
        expect(exceptions.exceptionHistory.entries).toHaveLength(2);
        const budget = new RegExp(`^EddyError: \\[eddy\\] component "spin" \\(world map-operator\\) in operator "spin", calling process-batch ran for (\\d+) ms, past its CPU budget of ${BUDGET_MS} ms per call: TaskManager tm-\\d+ running it was stopped`);
        expect(exceptions["root-exception"]).toMatch(budget);
        for (const e of exceptions.exceptionHistory.entries) {
          expect(e.exceptionName).toBe("EddyError");
          expect(Number(budget.exec(e.stacktrace)?.[1])).toBeGreaterThanOrEqual(BUDGET_MS);
        }
        // The stopped TaskManagers were replaced.
        expect(await taskManagers()).toHaveLength(2);
        expect((await at("PATCH", `/jobs/${steady}`)).status).toBe(202);
      }, 60_000);
    });

    describe("regression #13.9: deeply nested bodies", () => {
      /** A spec whose one inline record holds a value nested `depth` levels below the record. */
      const nestedRecord = (depth: number): string =>
        `{"name":"deep","sources":[{"type":"collection","records":[{"v":${"[".repeat(depth)}${"]".repeat(depth)}}]}],"sinks":[{"type":"collect"}]}`;

      it("answers 400 'too deeply nested', naming the limit, at 3,000 and 100,000 levels", async () => {
        for (const depth of [3_000, 100_000]) {
          for (const body of ["[".repeat(depth) + "]".repeat(depth), `{"a":`.repeat(depth) + "1" + "}".repeat(depth), nestedRecord(depth)]) {
            const r = await call("POST", "/jobs", body, { ...auth, "content-type": "application/json" });
            expect(r.status, `${depth} levels: ${r.text.slice(0, 200)}`).toBe(400);
            expect(r.json.errors[0]).toMatch(/^\[eddy\] invalid job spec: the body is too deeply nested \(at most \d+ levels of arrays and objects\)$/);
          }
        }
      });

      it("accepts a body nested exactly as deep as the limit it names", async () => {
        const refused = await call("POST", "/jobs", "[".repeat(3_000) + "]".repeat(3_000), { ...auth, "content-type": "application/json" });
        const limit = Number(/at most (\d+) levels/.exec(refused.json.errors[0])![1]);
        // The spec itself takes 5 levels (body, sources, source, records, record).
        const atLimit = await call("POST", "/jobs", nestedRecord(limit - 5), { ...auth, "content-type": "application/json" });
        expect(atLimit.json.errors?.[0] ?? "", atLimit.text).not.toMatch(/too deeply nested/);
        expect(atLimit.status, atLimit.text).toBe(202);
        const over = await call("POST", "/jobs", nestedRecord(limit - 4), { ...auth, "content-type": "application/json" });
        expect(over.status).toBe(400);
        expect(over.json.errors[0]).toMatch(/too deeply nested/);
      });
    });

    describe("regression #13.13: file sink paths that name no directory of their own", () => {
      it("refuses '.', 'x/.', './', 'x/..' and empty segments with 400 naming the field", async () => {
        for (const path of [".", "x/.", "./", "./x", "x/..", "a//b", "x/", ""]) {
          const r = await call("POST", "/jobs", small({ sinks: [{ type: "file", path }] }));
          expect(r.status, path).toBe(400);
          expect(r.json.fields, `${path}: ${r.text}`).toEqual([{ path: "sinks[0].path", message: expect.stringMatching(/expected a (non-empty )?relative path/) }]);
        }
      });

      it.runIf(jobs)("accepts a path of names, dots inside names included", async () => {
        const r = await call("POST", "/jobs", small({ sinks: [{ type: "file", path: "out.v2/..clicks" }] }));
        expect(r.status, r.text).toBe(202);
        expect((await call("PATCH", `/jobs/${r.json.jobid}`)).status).toBe(202);
        await awaitState(r.json.jobid, "CANCELED");
      });
    });

    it("answers unknown jobs, vertices and triggers with 404 in Flink's error shape", async () => {
      for (const route of ["/jobs/0123456789abcdef0123456789abcdef", "/jobs/nope/plan", "/jobs/nope/checkpoints", "/jobs/nope/exceptions", "/no/such/route"]) {
        const r = await call("GET", route);
        expect(r.status, route).toBe(404);
        expect(r.json, route).toEqual({ errors: [expect.any(String)] });
      }
      expect((await call("PATCH", "/jobs/nope")).status).toBe(404);
      expect((await call("POST", "/jobs/nope/savepoints", {})).status).toBe(404);
    });

    it.runIf(jobs)("runs a submitted job spec (with a WASM operator where the runtime compiles components)", async () => {
      const submitted = await call("POST", "/jobs", pipeline());
      expect(submitted.status, submitted.text).toBe(202);
      jobid = submitted.json.jobid;
      await awaitState(jobid, "RUNNING");
      const jobs = (await call("GET", "/jobs")).json.jobs;
      expect(jobs).toContainEqual({ id: jobid, status: "RUNNING" });
      const overview = (await call("GET", "/jobs/overview")).json.jobs.find((j: { jid: string }) => j.jid === jobid);
      expect(overview).toMatchObject({ name: `clicks-${name}`, state: "RUNNING", "start-time": expect.any(Number), tasks: { total: expect.any(Number), running: expect.any(Number) } });
      const results = await eventually("window results", async () => {
        const r = (await call("GET", `/jobs/${jobid}/results`)).json;
        return r.records.length >= 3 ? r.records : undefined;
      });
      expect(results[0]).toMatchObject({ key: expect.any(String), start: expect.any(Number), end: expect.any(Number), views: expect.any(Number) });
      // The uppercase component ran on every record before keyBy.
      if (options.wasm) for (const r of results) expect(r.key).toBe(String(r.key).toUpperCase());
    });

    it.runIf(jobs)("shows the job's vertices, plan, backpressure, watermarks, metrics and partitions", async () => {
      const detail = (await call("GET", `/jobs/${jobid}`)).json;
      expect(detail).toMatchObject({ jid: jobid, state: "RUNNING", timestamps: { RUNNING: expect.any(Number) }, "status-counts": expect.any(Object) });
      expect(detail.vertices.length).toBeGreaterThanOrEqual(2);
      for (const v of detail.vertices) expect(v).toMatchObject({ id: expect.any(String), parallelism: 2, status: "RUNNING", tasks: { RUNNING: 2 } });
      // Every subtask runs on a worker TaskManager of the server, the WebAssembly map's included.
      const where = options.cluster ? expect.stringMatching(/^tm-\d+$/) : "local";
      for (const v of detail.vertices) {
        expect(v.subtasks).toEqual([{ subtask: 0, "taskmanager-id": where }, { subtask: 1, "taskmanager-id": where }]);
        const flink = (await call("GET", `/jobs/${jobid}/vertices/${v.id}`)).json;
        expect(flink).toMatchObject({ id: v.id, name: v.name, parallelism: 2, maxParallelism: v.maxParallelism });
        expect(flink.subtasks.map((s: { subtask: number; status: string; "taskmanager-id": string }) => [s.subtask, s.status, s["taskmanager-id"]])).toEqual(v.subtasks.map((s: { subtask: number; "taskmanager-id": string }) => [s.subtask, "RUNNING", s["taskmanager-id"]]));
      }
      expect((await call("GET", `/jobs/${jobid}/vertices/nope`)).status).toBe(404);
      const plan = (await call("GET", `/jobs/${jobid}/plan`)).json.plan;
      expect(plan.nodes.map((n: { id: string }) => n.id)).toEqual(detail.vertices.map((v: { id: string }) => v.id));
      for (const v of detail.vertices) {
        const bp = (await call("GET", `/jobs/${jobid}/vertices/${v.id}/backpressure`)).json;
        expect(bp).toMatchObject({ status: "ok", "backpressure-level": expect.stringMatching(/^(ok|low|high)$/) });
        expect(bp.subtasks).toHaveLength(2);
        for (const s of bp.subtasks) {
          expect(s).toMatchObject({ subtask: expect.any(Number), ratio: expect.any(Number), busyRatio: expect.any(Number), idleRatio: expect.any(Number) });
          expect(s.ratio + s.busyRatio + s.idleRatio).toBeCloseTo(1, 1);
        }
      }
      const sink = detail.vertices[detail.vertices.length - 1].id;
      const wm = await eventually("a watermark at the sink", async () => {
        const list = (await call("GET", `/jobs/${jobid}/vertices/${sink}/watermarks`)).json as { id: string; value: string }[];
        const input = list.find((w) => w.id === "0.currentInputWatermark");
        return input !== undefined && Number(input.value) > 0 ? list : undefined;
      });
      expect(wm.map((w) => w.id)).toEqual(expect.arrayContaining(["0.currentInputWatermark", "1.currentInputWatermark"]));
      expect((await call("GET", `/jobs/${jobid}/vertices/nope/backpressure`)).status).toBe(404);
      expect((await call("GET", `/jobs/${jobid}/metrics`)).json).toContainEqual({ id: "numRestarts" });
      expect((await call("GET", `/jobs/${jobid}/metrics?get=numRestarts,uptime`)).json).toEqual([
        { id: "numRestarts", value: "0" },
        { id: "uptime", value: expect.stringMatching(/^\d+$/) },
      ]);
      // Readers on TaskManagers report their splits with their metrics, once a second.
      const assignments = await eventually("both readers' splits", async () => {
        const a = (await call("GET", `/jobs/${jobid}/sources/${detail.vertices[0].id}/partitions`)).json.assignments as { splitId: string; subtask: number }[];
        return a.length === 2 ? a : undefined;
      });
      expect(assignments.map((a) => [a.splitId, a.subtask]).sort()).toEqual([["generator-0", 0], ["generator-1", 1]]);
      expect((await call("GET", `/jobs/${jobid}/sources/${sink}/partitions`)).status).toBe(404);
      const prom = (await call("GET", "/metrics")).text;
      expect(prom).toContain(`eddy_job_state{job_id="${jobid}",job_name="clicks-${name}",state="RUNNING"} 1`);
      expect(prom).toMatch(/# TYPE eddy_task_busy_ms_per_second gauge/);
    });

    it.runIf(jobs)("reports checkpoints and triggers one", async () => {
      const stats = await eventually("a completed checkpoint", async () => {
        const s = (await call("GET", `/jobs/${jobid}/checkpoints`)).json;
        return s.counts.completed >= 1 ? s : undefined;
      });
      expect(stats).toMatchObject({ counts: { completed: expect.any(Number) }, summary: { end_to_end_duration: expect.any(Object) }, latest: { completed: { status: "COMPLETED" } } });
      expect(stats.history.length).toBeGreaterThan(0);
      const { json } = await call("POST", `/jobs/${jobid}/checkpoints`, {});
      const done = await awaitTrigger(jobid, "checkpoints", json["request-id"]);
      expect(done.operation.checkpointId).toBeGreaterThan(0);
    });

    it.runIf(jobs)("takes a savepoint with a client trigger id, idempotently", async () => {
      const body = { triggerId: `sp-${name}` };
      const first = await call("POST", `/jobs/${jobid}/savepoints`, body);
      const retry = await call("POST", `/jobs/${jobid}/savepoints`, body);
      expect(first.status).toBe(202);
      expect(first.json).toEqual({ "request-id": `sp-${name}` });
      expect(retry.json).toEqual(first.json);
      const done = await awaitTrigger(jobid, "savepoints", `sp-${name}`);
      expect(done.operation.location).toMatch(/savepoint-\d+$/);
      expect((await call("GET", `/jobs/${jobid}/savepoints/nope`)).status).toBe(404);
      expect((await call("POST", `/jobs/${jobid}/savepoints`, { "target-directory": "/tmp/x" })).status).toBe(400);
    });

    it.runIf(jobs)("stops with a savepoint and resumes a new job from it", async () => {
      const stop = await call("POST", `/jobs/${jobid}/stop`, { drain: true, triggerId: `stop-${name}` });
      expect(stop.status).toBe(202);
      const done = await awaitTrigger(jobid, "savepoints", `stop-${name}`);
      savepoint = done.operation.location;
      await awaitState(jobid, "FINISHED");
      // A retried stop finds the first trigger even though the job has ended.
      expect((await call("POST", `/jobs/${jobid}/stop`, { drain: true, triggerId: `stop-${name}` })).json).toEqual({ "request-id": `stop-${name}` });
      expect((await call("POST", `/jobs/${jobid}/savepoints`, {})).status).toBe(409);

      const resumed = await call("POST", "/jobs", pipeline({ savepoint: { path: savepoint } }));
      expect(resumed.status, resumed.text).toBe(202);
      jobid = resumed.json.jobid;
      await awaitState(jobid, "RUNNING");
      const stats = await eventually("the restore in the checkpoint stats", async () => {
        const s = (await call("GET", `/jobs/${jobid}/checkpoints`)).json;
        return s.latest.restored !== null ? s : undefined;
      });
      expect(stats.counts.restored).toBe(1);
      expect(stats.latest.restored.is_savepoint).toBe(true);
      await eventually("results after the restore", async () => ((await call("GET", `/jobs/${jobid}/results`)).json.records.length > 0 ? true : undefined));
    });

    it.runIf(jobs)("cancels a job (PATCH) and keeps its exception history readable", async () => {
      const r = await call("PATCH", `/jobs/${jobid}?mode=cancel`);
      expect(r.status).toBe(202);
      await awaitState(jobid, "CANCELED");
      const ex = (await call("GET", `/jobs/${jobid}/exceptions`)).json;
      expect(ex).toMatchObject({ "root-exception": null, exceptionHistory: { entries: [], truncated: false } });
      const overview = (await call("GET", "/overview")).json;
      expect(overview["jobs-cancelled"]).toBeGreaterThanOrEqual(1);
      expect(overview["jobs-finished"]).toBeGreaterThanOrEqual(1);
    });

    it.runIf(options.wasm && jobs)("regression #13.8: a component's non-JSON output fails the job naming the component, world and record", async () => {
      // Records cross as JSON text and the component uppercases it: {"ok":true} comes back as {"OK":TRUE}.
      const records = [{ a: "x" }, { ok: true }, { b: 1 }];
      const bad = records.findIndex((r) => {
        try {
          JSON.parse(JSON.stringify(r).toUpperCase());
          return false;
        } catch {
          return true;
        }
      });
      const submitted = await call("POST", "/jobs", {
        name: `bad output on ${name}`,
        sources: [{ type: "collection", records }],
        operators: [{ type: "wasm", kind: "map", artifact, name: "upper" }],
        sinks: [{ type: "collect" }],
        restartStrategy: { type: "none" },
      });
      expect(submitted.status, submitted.text).toBe(202);
      const failed = submitted.json.jobid as string;
      await awaitState(failed, "FAILED");
      const root = (await call("GET", `/jobs/${failed}/exceptions`)).json["root-exception"] as string;
      expect(root).toMatch(new RegExp(`component "upper" \\(world map-operator\\) in operator "[^"]+": process-batch returned an invalid result: record ${bad + 1} of ${records.length} is not JSON \\(values: "json"\\)`));
      expect((await call("GET", `/jobs/${failed}/results`)).json.records).toEqual([]);
    });
  });
}
