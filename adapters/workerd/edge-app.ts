/**
 * The HTTP API of Eddy on Durable Objects: eddy/server's endpoints (Flink's paths and shapes,
 * job specs, triggers, results), answered from each job's JobManager object and the
 * deployment's directory; the Worker keeps nothing between requests. The JSON shapes come from
 * eddy/server's own functions (flink-json.ts, prometheus.ts), fed snapshots of the jobs. On top:
 * jobs built from bundled modules, ingest (HTTP and WebSocket), and savepoints moved in and out
 * of the deployment.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { safeName } from "../../core/index.ts";
import { randomHexId } from "../../core/graph/ids.ts";
import { EDDY_VERSION, createApp } from "../../server/app.ts";
import { unavailableComponentRuntime } from "../../server/components.ts";
import { unavailableKafkaRuntime } from "../../server/kafka.ts";
import { dashboardHtml } from "../../server/dashboard.ts";
import { type VertexView, endedJob } from "../../server/ended-job.ts";
import { HttpError, errorBody, notFound, toHttpError } from "../../server/errors.ts";
import { checkpointingStatistics } from "../../server/checkpoint-json.ts";
import { clusterOverview, dashboardConfiguration } from "../../server/cluster-overview.ts";
import { jobDetails, jobExceptions, jobMetricValues, jobOverview, jobPlan, subtaskTimes, triggerStatus, vertexBackpressure, vertexDetails, vertexWatermarks } from "../../server/flink-json.ts";
import type { JobEntry, Trigger } from "../../server/job-registry.ts";
import { JobSpec } from "../../server/job-spec.ts";
import { openApiDocument } from "../../server/openapi.ts";
import type { PartitionsInfo } from "../../server/partitions.ts";
import { prometheusText } from "../../server/prometheus.ts";
import { CheckpointRequest, SavepointRequest, StopRequest } from "../../server/request-bodies.ts";
import { MAX_JSON_DEPTH, nestedDeeperThan, readJson } from "../../server/validation.ts";
import { tokenGuard } from "../../server/token-guard.ts";
import { parseDurableLocation } from "./durable-checkpoint-storage.ts";
import type { DirectoryEntry } from "./directory-object.ts";
import type { AppendOutcome, IngestLogRpc } from "./ingest-protocol.ts";
import { MAX_INGEST_BYTES, parseIngestBody, partitionOfKey } from "./ingest-object.ts";
import { type EdgeJobRequest, type IngestTarget, type JobSnapshot, SPEC_MODULE, type SubmitOutcome, type TriggerRequest } from "./job-manager-object.ts";
import type { BundledComponent, SpecJobParams } from "./spec-job.ts";

/** What the app calls on a job's JobManager object. */
export interface JobManagerApi {
  submit(request: EdgeJobRequest): Promise<SubmitOutcome>;
  view(): Promise<JobSnapshot | undefined>;
  resultSlice(offset: number, limit: number): Promise<{ total: number; kept: number; records: unknown[] } | undefined>;
  cancel(): Promise<boolean>;
  trigger(request: TriggerRequest): Promise<{ trigger: Trigger } | { refused: string }>;
  triggerStatus(id: string): Promise<Trigger | undefined>;
  partitions(vertexId: string): Promise<PartitionsInfo | { ended: string } | undefined>;
  ingestTarget(source: string): Promise<IngestTarget | "ended" | undefined>;
  endIngest(source: string): Promise<boolean>;
  readCheckpoint(location: string): Promise<Uint8Array>;
  importSavepoint(owner: string, bytes: Uint8Array): Promise<{ location: string; checkpointId: number; jobKey: string }>;
}

/** Where the app finds the deployment's objects. */
export interface EdgeObjects {
  jobManager(id: string): JobManagerApi;
  directory(): { list(): Promise<{ jobs: DirectoryEntry[]; maxJobs: number; maxSlots: number }> };
  ingest(jobId: string, source: string, partition: number): IngestLogRpc & { fetch(request: Request): Promise<Response> };
}

/** Options of {@link edgeApp}. */
export interface EdgeAppOptions {
  /** Requests need `Authorization: Bearer <token>` (all but the dashboard page and `/openapi.json`). */
  readonly token?: string;
  /** With a token: reads need none. */
  readonly publicReads?: boolean;
  /** Components compiled into the bundle (`GET /artifacts`). */
  readonly components?: readonly BundledComponent[];
  /** Largest JSON body, bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

/** The object name a savepoint upload is kept under. */
export const SAVEPOINTS_OBJECT = "savepoints";

/** A job built from a module the Worker bundled: `{ module, export, params }` as in `env.build`. */
const ModuleJob = z.strictObject({
  name: z.string({ error: "expected the job's name" }).min(1, { error: "expected a non-empty name" }).max(200),
  job: z.strictObject({
    module: z.string({ error: "expected the name of a bundled job module" }).min(1),
    export: z.string({ error: "expected the name of the module's builder export" }).min(1),
    params: z.unknown().optional(),
  }),
  parallelism: z.number().int().min(1).max(256).optional(),
  maxParallelism: z.number().int().min(1).max(32768).optional(),
  taskManagers: z.number().int().min(1).max(256).optional(),
  resultsCapacity: z.number().int().min(0).max(1_000_000).optional(),
  savepoint: z.strictObject({ path: z.string().min(1), allowNonRestoredState: z.boolean().optional() }).optional(),
});

const JOB_ID = /^[0-9a-f]{32}$/;

/**
 * The app a Worker made by createEdgeWorker serves; `reach` finds the deployment's Durable
 * Objects from a request's bindings. Stubs belong to the request that made them (workerd refuses
 * I/O through another request's stub), so each request reaches the objects anew.
 */
export function edgeApp(options: EdgeAppOptions, reach: (env: any) => EdgeObjects): Hono {
  const app = new Hono();
  const reached = new WeakMap<Request, EdgeObjects>();
  const objects = (c: Context): EdgeObjects => {
    let o = reached.get(c.req.raw);
    if (o === undefined) reached.set(c.req.raw, (o = reach(c.env)));
    return o;
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const components = options.components ?? [];
  // A spec may name a bundled component as eddy bundle printed it ("@op.wasm", "op.wasm", "op"):
  // the name becomes the component's sha256, the artifact id a spec holds everywhere.
  const specSchema = components.length === 0 ? JobSpec : z.preprocess((value) => withArtifactIds(value, components), JobSpec);
  const ingestTargets = new Map<string, IngestTarget>();

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    const http = toHttpError(error);
    if (http.status >= 500 && http.status !== 501) console.error(error);
    return c.json(errorBody(http), http.status, http.status === 429 ? { "retry-after": "1" } : {});
  });
  app.notFound((c) => c.json({ errors: [`Not found: ${new URL(c.req.url).pathname}`] }, 404));

  if (options.token !== undefined && options.token !== "") app.use("*", tokenGuard(options.token, options.publicReads === true));
  const tooLarge = (maxBytes: number) => (c: Context) => c.json(errorBody(new HttpError(413, `[eddy] request body too large: at most ${maxBytes} bytes accepted`)), 413, { connection: "close" });
  const jsonBody: MiddlewareHandler = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge(maxBodyBytes) });
  const ingestBody: MiddlewareHandler = bodyLimit({ maxSize: MAX_INGEST_BYTES, onError: tooLarge(MAX_INGEST_BYTES) });

  const jobId = (c: Context): string => c.req.param("jobid")!;
  const snapshot = async (c: Context): Promise<JobSnapshot> => {
    const id = jobId(c);
    const s = JOB_ID.test(id) ? await objects(c).jobManager(id).view() : undefined;
    if (s === undefined) throw notFound("job", id);
    return s;
  };
  /** Every job of the directory that still answers, oldest first. */
  const allJobs = async (c: Context): Promise<JobSnapshot[]> => {
    const { jobs } = await objects(c).directory().list();
    const views = await Promise.all(jobs.map((j) => objects(c).jobManager(j.id).view()));
    return views.filter((v): v is JobSnapshot => v !== undefined);
  };

  app.get("/", (c) => c.html(dashboardHtml()));
  // The API is eddy/server's: its document is generated from eddy/server's routes.
  let document: Promise<object> | undefined;
  app.get("/openapi.json", async (c) => {
    // An app only to describe its routes: nothing is loaded or run through it.
    const described = (): ReturnType<typeof createApp> => createApp({ components: unavailableComponentRuntime("not used"), kafka: unavailableKafkaRuntime("not used") });
    return c.json(await (document ??= openApiDocument(described(), EDDY_VERSION)));
  });
  app.get("/config", (c) => c.json(dashboardConfiguration()));
  app.get("/overview", async (c) => {
    const [{ maxSlots }, jobs] = await Promise.all([objects(c).directory().list(), allJobs(c)]);
    const running = jobs.filter((j) => !["FINISHED", "CANCELED", "FAILED"].includes(j.status));
    const taskManagers = new Set(running.flatMap((j) => Object.values(j.placement).map((tm) => `${j.jobId}/${tm}`)));
    return c.json(
      clusterOverview({
        taskManagers: Math.max(1, taskManagers.size),
        slotsTotal: maxSlots,
        slotsAvailable: Math.max(0, maxSlots - running.reduce((n, j) => n + j.executionGraph.slots, 0)),
        jobStatuses: jobs.map((j) => j.status),
      }),
    );
  });
  app.get("/metrics", async (c) => c.body(prometheusText((await allJobs(c)).map(entryOf)), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  app.get("/jobs", async (c) => c.json({ jobs: (await allJobs(c)).map((j) => ({ id: j.jobId, status: j.status })) }));
  app.get("/jobs/overview", async (c) => c.json({ jobs: (await allJobs(c)).map((j) => jobOverview(entryOf(j))) }));

  const submit = async (c: Context, id: string): Promise<Response> => {
    let request: EdgeJobRequest;
    if (await namesModuleJob(c)) {
      const body = await readJson(c, ModuleJob, "job");
      request = {
        id,
        name: body.name,
        submitted: Date.now(),
        jobKey: `${safeName(body.name)}-${randomHexId().slice(0, 8)}`,
        job: body.job,
        parallelism: body.parallelism ?? 1,
        ...(body.maxParallelism !== undefined ? { maxParallelism: body.maxParallelism } : {}),
        ...(body.taskManagers !== undefined ? { taskManagers: body.taskManagers } : {}),
        ...(body.resultsCapacity !== undefined ? { resultsCapacity: body.resultsCapacity } : {}),
        ...(body.savepoint !== undefined ? { restore: { path: body.savepoint.path, allowNonRestoredState: body.savepoint.allowNonRestoredState ?? false } } : {}),
      };
    } else {
      request = await specRequest(c, await readJson(c, specSchema, "job spec"), id);
    }
    const outcome = await objects(c).jobManager(id).submit(request);
    if (!outcome.ok) throw new HttpError(outcome.status as 400, outcome.errors[0] ?? "[eddy] the job was refused", outcome.fields ?? []);
    return c.json({ jobid: id, jobUrl: `/jobs/${id}` }, 202);
  };
  app.post("/jobs", jsonBody, (c) => submit(c, randomHexId()));
  // Under an id the client chose: a retry finds the job (409) instead of starting another.
  app.put("/jobs/:jobid", jsonBody, (c) => {
    const id = jobId(c);
    if (!JOB_ID.test(id)) throw new HttpError(400, `[eddy] a job id is 32 lowercase hex digits, got "${id}"`);
    return submit(c, id);
  });

  /** A spec as its JobManager object builds it: `fromJob` resolved, its savepoint as the restore. */
  const specRequest = async (c: Context, spec: JobSpec, id: string): Promise<EdgeJobRequest> => {
    spec.sinks.forEach((s, i) => {
      if (s.type === "file") throw new HttpError(501, "[eddy] file sinks need a file system, which Durable Objects do not have: use a webhook sink (exactly once) or a collect sink", [{ path: `sinks[${i}]`, message: "expected a sink this deployment runs" }]);
    });
    const { savepoint, ...rest } = spec;
    let restore: EdgeJobRequest["restore"];
    if (savepoint !== undefined) {
      let path = savepoint.path;
      if (savepoint.fromJob !== undefined) {
        const from = await objects(c).jobManager(savepoint.fromJob).view();
        const latest = (from?.checkpoints as { latest?: { completed?: { external_path?: string } | null } } | undefined)?.latest?.completed?.external_path;
        if (from === undefined) throw new HttpError(400, "[eddy] invalid job spec", [{ path: "savepoint.fromJob", message: `expected a job of this deployment: "${savepoint.fromJob}" is unknown` }]);
        if (latest === undefined) throw new HttpError(400, "[eddy] invalid job spec", [{ path: "savepoint.fromJob", message: `expected a job with a completed checkpoint: job "${savepoint.fromJob}" has none` }]);
        path = latest;
      }
      if (parseDurableLocation(path!) === undefined) throw new HttpError(400, "[eddy] invalid job spec", [{ path: "savepoint.path", message: "expected a savepoint or checkpoint location of this deployment (durable-object://...): upload one taken elsewhere with POST /savepoints" }]);
      restore = { path: path!, allowNonRestoredState: savepoint.allowNonRestoredState ?? false };
    }
    const collect = spec.sinks.find((s) => s.type === "collect");
    const jobKey = `${safeName(spec.name)}-${randomHexId().slice(0, 8)}`;
    const submitted = Date.now();
    const params: SpecJobParams = { spec: rest, jobKey, submitted };
    return {
      id,
      name: spec.name,
      submitted,
      jobKey,
      job: { module: SPEC_MODULE, export: "specJob", params },
      parallelism: spec.parallelism ?? 1,
      ...(spec.maxParallelism !== undefined ? { maxParallelism: spec.maxParallelism } : {}),
      resultsCapacity: collect === undefined ? 0 : (collect.maxRecords ?? 10_000),
      ...(restore !== undefined ? { restore } : {}),
    };
  };

  app.get("/jobs/:jobid", async (c) => c.json(withPlacement(jobDetails(entryOf(await snapshot(c))), await snapshot(c))));
  app.patch("/jobs/:jobid", async (c) => {
    const s = await snapshot(c);
    const mode = c.req.query("mode");
    if (mode !== undefined && mode !== "cancel") throw new HttpError(400, `[eddy] mode must be "cancel", got "${mode}"`, [{ path: "mode", message: 'expected "cancel"' }]);
    if (!s.live || !(await objects(c).jobManager(s.jobId).cancel())) throw new HttpError(409, `[eddy] job "${s.jobId}" is ${s.status}: only a job that has not ended can be cancelled`);
    return c.json({}, 202);
  });
  app.get("/jobs/:jobid/plan", async (c) => c.json(jobPlan(entryOf(await snapshot(c)))));
  app.get("/jobs/:jobid/exceptions", async (c) => c.json(jobExceptions(entryOf(await snapshot(c)))));
  app.get("/jobs/:jobid/checkpoints", async (c) => {
    const s = await snapshot(c);
    if (s.checkpoints === undefined) throw new HttpError(404, `[eddy] checkpointing has not been enabled for job "${s.jobId}"`);
    return c.json(checkpointingStatistics(entryOf(s)) ?? {});
  });
  const vertex = (s: JobSnapshot, id: string) => {
    const v = s.metrics.vertices.find((x) => x.id === id);
    if (v === undefined) throw new HttpError(404, `[eddy] vertex "${id}" not found in job "${s.jobId}"`);
    return v;
  };
  const jobVertex = (s: JobSnapshot, id: string) => {
    const v = s.executionGraph.jobGraph.vertices.find((x) => x.id === id);
    if (v === undefined) throw new HttpError(404, `[eddy] vertex "${id}" not found in job "${s.jobId}"`);
    return v;
  };
  app.get("/jobs/:jobid/vertices/:vertexid", async (c) => {
    const s = await snapshot(c);
    return c.json(vertexDetails(entryOf(s), withSubtaskPlacement(jobVertex(s, c.req.param("vertexid")), s)));
  });
  app.get("/jobs/:jobid/vertices/:vertexid/subtasktimes", async (c) => {
    const s = await snapshot(c);
    return c.json(subtaskTimes(entryOf(s), jobVertex(s, c.req.param("vertexid"))));
  });
  app.get("/jobs/:jobid/vertices/:vertexid/backpressure", async (c) => c.json(vertexBackpressure(vertex(await snapshot(c), c.req.param("vertexid")))));
  app.get("/jobs/:jobid/vertices/:vertexid/watermarks", async (c) => c.json(vertexWatermarks(vertex(await snapshot(c), c.req.param("vertexid")))));
  app.get("/jobs/:jobid/metrics", async (c) => {
    const values = jobMetricValues(entryOf(await snapshot(c)));
    const wanted = c.req.query("get");
    if (wanted === undefined) return c.json(Object.keys(values).map((id) => ({ id })));
    return c.json(wanted.split(",").filter((id) => Object.hasOwn(values, id)).map((id) => ({ id, value: values[id] })));
  });
  app.get("/jobs/:jobid/sources/:vertexid/partitions", async (c) => {
    const s = await snapshot(c);
    const id = c.req.param("vertexid");
    const info = await objects(c).jobManager(s.jobId).partitions(id);
    if (info !== undefined && "ended" in info) throw new HttpError(404, `[eddy] job "${s.jobId}" has ended (${info.ended}): its sources hold no partitions any more`);
    if (info === undefined) throw new HttpError(404, `[eddy] vertex "${id}" is not a source of job "${s.jobId}"`);
    return c.json(info);
  });
  app.get("/jobs/:jobid/results", async (c) => {
    const s = await snapshot(c);
    const offset = Math.max(0, Number(c.req.query("offset") ?? 0) || 0);
    const limit = Math.min(100_000, Math.max(0, Number(c.req.query("limit") ?? 10_000) || 10_000));
    const slice = await objects(c).jobManager(s.jobId).resultSlice(offset, limit);
    if (slice === undefined) throw new HttpError(404, `[eddy] job "${s.jobId}" has no collect sink`);
    return c.json(slice);
  });

  // Triggers: a client-chosen triggerId makes retries idempotent.
  const startTrigger = async (c: Context, request: Omit<TriggerRequest, "id"> & { id: string | undefined }): Promise<Response> => {
    const s = await snapshot(c);
    const answer = await objects(c).jobManager(s.jobId).trigger({ ...request, id: request.id ?? randomHexId() });
    if ("refused" in answer) throw new HttpError(409, answer.refused);
    return c.json({ "request-id": answer.trigger.id }, 202);
  };
  app.post("/jobs/:jobid/savepoints", jsonBody, async (c) => {
    const body = await readJson(c, SavepointRequest, "savepoint request", true);
    return startTrigger(c, { id: body.triggerId, kind: "savepoint", ...(body["cancel-job"] !== undefined ? { cancelJob: body["cancel-job"] } : {}) });
  });
  app.post("/jobs/:jobid/stop", jsonBody, async (c) => {
    const body = await readJson(c, StopRequest, "stop request", true);
    return startTrigger(c, { id: body.triggerId, kind: "stop", drain: body.drain ?? false });
  });
  app.post("/jobs/:jobid/checkpoints", jsonBody, async (c) => {
    const body = await readJson(c, CheckpointRequest, "checkpoint request", true);
    return startTrigger(c, { id: body.triggerId, kind: "checkpoint" });
  });
  const getTrigger = async (c: Context, kinds: Trigger["kind"][]): Promise<Response> => {
    const s = await snapshot(c);
    const id = c.req.param("triggerid")!;
    const t = await objects(c).jobManager(s.jobId).triggerStatus(id);
    if (t === undefined || !kinds.includes(t.kind)) throw notFound("trigger", id);
    return c.json(triggerStatus(t));
  };
  app.get("/jobs/:jobid/savepoints/:triggerid", (c) => getTrigger(c, ["savepoint", "stop"]));
  app.get("/jobs/:jobid/checkpoints/:triggerid", (c) => getTrigger(c, ["checkpoint"]));

  // Ingest: records posted (or sent over a WebSocket) to a job's ingest source.
  const ingestTarget = async (c: Context): Promise<{ id: string; source: string; target: IngestTarget }> => {
    const id = jobId(c);
    const source = c.req.param("source")!;
    const cacheKey = `${id}/${source}`;
    let target = ingestTargets.get(cacheKey);
    if (target === undefined) {
      const found = JOB_ID.test(id) ? await objects(c).jobManager(id).ingestTarget(source) : undefined;
      if (found === "ended") throw new HttpError(409, `[eddy] job "${id}" has ended: its ingest source "${source}" takes no more records`);
      if (found === undefined) throw new HttpError(404, `[eddy] job "${id}" has no ingest source "${source}"`);
      target = found;
      ingestTargets.set(cacheKey, target);
    }
    return { id, source, target };
  };
  app.post("/jobs/:jobid/ingest/:source", ingestBody, async (c) => {
    const { id, source, target } = await ingestTarget(c);
    const parsed = parseIngestBody(await c.req.text(), c.req.header("idempotency-key"));
    if ("error" in parsed) throw new HttpError(400, parsed.error);
    // A key always goes to the same partition, where a retry finds it.
    const partition = parsed.key !== undefined ? partitionOfKey(parsed.key, target.partitions) : Math.floor(Math.random() * target.partitions);
    const outcome: AppendOutcome = await objects(c).ingest(id, source, partition).append(parsed.records, parsed.key, target.maxBacklog);
    if (outcome.status === "backpressured") {
      const why = outcome.rate !== undefined ? `ingest source "${source}" admits ${Math.round(outcome.rate * target.partitions)} records/s (its rate controller's rate)` : `the job is behind: ${outcome.backlog} records of ingest source "${source}" wait to be read`;
      return c.json(errorBody(new HttpError(429, `[eddy] ${why}; retry after ${outcome.retryAfterSeconds} s`)), 429, { "retry-after": String(outcome.retryAfterSeconds) });
    }
    if (outcome.status === "ended") {
      ingestTargets.delete(`${id}/${source}`);
      throw new HttpError(409, `[eddy] ingest source "${source}" of job "${id}" has ended: it takes no more records`);
    }
    return c.json({ accepted: outcome.records, duplicate: outcome.duplicate });
  });
  app.post("/jobs/:jobid/ingest/:source/end", async (c) => {
    const { id, source } = await ingestTarget(c);
    if (!(await objects(c).jobManager(id).endIngest(source))) throw new HttpError(409, `[eddy] job "${id}" has ended`);
    return c.json({ ended: source });
  });
  app.get("/jobs/:jobid/ingest/:source", async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new HttpError(400, "[eddy] GET here opens a WebSocket (Upgrade: websocket); POST records to ingest them over HTTP");
    const { id, source, target } = await ingestTarget(c);
    // Unkeyed messages go to the partition the socket lands on; keyed ones to their key's partition.
    const partition = Math.floor(Math.random() * target.partitions);
    const url = new URL(c.req.url);
    for (const [name, value] of Object.entries({ job: id, source, partition, partitions: target.partitions, maxBacklog: target.maxBacklog })) url.searchParams.set(name, String(value));
    return objects(c).ingest(id, source, partition).fetch(new Request(url, c.req.raw));
  });

  // Savepoints in and out: one taken on Node, Deno or Bun restores here, and back.
  app.post("/savepoints", bodyLimit({ maxSize: 256 * 1024 * 1024, onError: tooLarge(256 * 1024 * 1024) }), async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length === 0) throw new HttpError(400, "[eddy] send a savepoint's _metadata file as the body");
    return c.json(await objects(c).jobManager(SAVEPOINTS_OBJECT).importSavepoint(SAVEPOINTS_OBJECT, bytes), 201);
  });
  app.get("/savepoints", async (c) => {
    const location = c.req.query("location") ?? "";
    const parsed = parseDurableLocation(location);
    if (parsed === undefined) throw new HttpError(400, "[eddy] expected ?location=durable-object://<job>/<jobKey>/<chk|savepoint>-<id>, as a savepoint trigger reports it");
    const bytes = await objects(c).jobManager(parsed.owner).readCheckpoint(location);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream" });
  });

  // Components are compiled into the bundle; these read what it holds.
  const artifactInfo = (b: BundledComponent) => ({ id: b.names[b.names.length - 1], names: b.names.slice(0, -1), world: b.compiled.world });
  app.get("/artifacts", (c) => c.json({ artifacts: components.map(artifactInfo) }));
  app.get("/artifacts/:id", (c) => {
    const found = components.find((b) => b.names.includes(c.req.param("id")));
    if (found === undefined) throw notFound("artifact", c.req.param("id"));
    return c.json(artifactInfo(found));
  });
  app.post("/artifacts", (c) => {
    throw new HttpError(501, "[eddy] WebAssembly components cannot be uploaded here: workerd forbids compiling WebAssembly at run time; bundle them at deploy time (eddy bundle --component x.wasm) and name them by sha256 (GET /artifacts)");
  });
  app.get("/taskmanagers", async (c) => {
    const jobs = (await allJobs(c)).filter((j) => j.live);
    const rows = jobs.flatMap((j) => [...new Set(Object.values(j.placement))].map((tm) => ({ id: `${j.jobId}/${tm}`, path: `durable-object://${j.jobId}/${tm}`, slotsNumber: Object.values(j.placement).filter((x) => x === tm).length, freeSlots: 0 })));
    return c.json({ taskmanagers: rows });
  });
  return app;
}

/** Whether a `POST /jobs` body names a bundled module's builder (`"job"`) rather than being a spec. */
async function namesModuleJob(c: Context): Promise<boolean> {
  // Hono keeps the body text, so the validation that follows reads it again for free.
  const text = await c.req.text();
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) return false;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) && "job" in value && !("sources" in value);
  } catch {
    return false;
  }
}

/** A job snapshot as eddy/server's JSON functions read it. */
export function entryOf(s: JobSnapshot): JobEntry {
  return { id: s.jobId, name: s.jobName, client: endedJob(s), live: undefined, spec: undefined, results: undefined, submitted: s.submitted, jobKey: s.jobKey, triggers: new Map() };
}

/** `/jobs/:jobid` with, per vertex, the TaskManager object of each subtask. */
function withPlacement(details: object, s: JobSnapshot): object {
  const d = details as { vertices: { id: string; parallelism: number }[] };
  return { ...d, vertices: d.vertices.map((v) => ({ ...v, taskmanagers: Array.from({ length: v.parallelism }, (_, i) => s.placement[`${v.id}#${i}`] ?? null) })) };
}

/** `value` (a job spec) with each wasm operator's bundled-component name replaced by its sha256. */
function withArtifactIds(value: unknown, components: readonly BundledComponent[]): unknown {
  const operators = (value as { operators?: unknown } | null)?.operators;
  if (!Array.isArray(operators)) return value;
  const idOf = (name: unknown): unknown => {
    const found = typeof name === "string" ? components.find((c) => c.names.includes(name)) : undefined;
    return found === undefined ? name : found.names[found.names.length - 1];
  };
  return { ...(value as object), operators: operators.map((o: unknown) => (o !== null && typeof o === "object" && (o as { type?: unknown }).type === "wasm" ? { ...o, artifact: idOf((o as { artifact?: unknown }).artifact) } : o)) };
}

/** A vertex with the TaskManager object each subtask runs on, while the job runs (an ended job's vertex has them already). */
function withSubtaskPlacement(v: VertexView, s: JobSnapshot): VertexView {
  const placed = Array.from({ length: v.parallelism }, (_, i) => s.placement[`${v.id}#${i}`] ?? "");
  return placed.every((tm) => tm !== "") ? { ...v, taskManagers: placed } : v;
}
