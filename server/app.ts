/**
 * `createApp(options)`: the Hono app of Eddy's REST API. Runtime-agnostic (Web-standard
 * Request/Response only); each runtime adapter serves its `fetch`.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { type CheckpointStorage, type Cluster, FileSystemCheckpointStorage, type FileSystem, type JobClient, MemoryFileSystem, StreamExecutionEnvironment, safeName } from "../core/index.ts";
import { randomHexId } from "../core/graph/ids.ts";
import { type ArtifactInfo, type ArtifactStore, MemoryArtifactStore, isArtifactId, sha256Hex } from "./artifact-store.ts";
import { type ComponentRuntime, defaultComponentRuntime, worldForKind } from "./components.ts";
import { dashboardHtml } from "./dashboard.ts";
import { type VertexView, vertexViews } from "./ended-job.ts";
import { HttpError, errorBody, notFound, toHttpError } from "./errors.ts";
import { tokenGuard } from "./token-guard.ts";
import { checkpointConfigInfo, checkpointDetails, checkpointSubtasks, checkpointingStatistics } from "./checkpoint-json.ts";
import {
  jobConfig,
  jobDetails,
  jobExceptions,
  jobMetricValues,
  jobOverview,
  jobPlan,
  jobStatus,
  subtaskTimes,
  vertexBackpressure,
  vertexDetails,
  vertexWatermarks,
  triggerStatus,
} from "./flink-json.ts";
import { type BuiltJob, type GraphContext, buildJob, configureJobManager, environmentOptions } from "./job-builder.ts";
import { JobLimits } from "./job-limits.ts";
import { JobRecovery, type RecoveredJobs } from "./job-recovery.ts";
import { type JobEntry, JobRegistry, type Trigger, isTerminal } from "./job-registry.ts";
import { JobSpec } from "./job-spec.ts";
import type { JobRecord, JobStore } from "./job-store.ts";
import { type KafkaRuntime, defaultKafkaRuntime } from "./kafka.ts";
import { describe, openApiDocument, requestBody } from "./openapi.ts";
import * as R from "./response-schemas.ts";
import { type PartitionsInfo, sourcePartitions } from "./partitions.ts";
import { prometheusText } from "./prometheus.ts";
import { CheckpointRequest, SavepointRequest, StopRequest } from "./request-bodies.ts";
import { resolveSavepoint } from "./savepoint-resolver.ts";
import { type SpecJobParams, buildSpecJob } from "./spec-job.ts";
import { type Hardware, taskManagerCount, taskManagerDetails, taskManagersInfo } from "./task-managers.ts";
import { readJson } from "./validation.ts";
import { clusterOverview, dashboardConfiguration } from "./cluster-overview.ts";
import { EDDY_VERSION } from "./version.ts";

export { EDDY_VERSION } from "./version.ts";

/** Options of {@link createApp}. All have in-memory defaults, so `createApp()` just works. */
export interface AppOptions {
  /**
   * When set, requests need `Authorization: Bearer <token>` (401 without, 403 wrong): every one
   * but the dashboard page (`GET /`, which asks for the token) and `GET /openapi.json`.
   */
  readonly token?: string;
  /** With a token: reads (GET, HEAD) need none, only requests that change something do (default false). */
  readonly publicReads?: boolean;
  /** Checkpoints and savepoints of submitted jobs (default: in memory). */
  readonly checkpointFs?: FileSystem;
  /** File sinks write here (default: in memory). */
  readonly outputFs?: FileSystem;
  /** Uploaded components (default: in memory). */
  readonly artifacts?: ArtifactStore;
  /** How components are read and compiled (default: eddy/wasm, loaded on first use). */
  readonly components?: ComponentRuntime;
  /**
   * Kafka sources and sinks of job specs (default: eddy/kafka, loaded on first use, limited to
   * `kafkaBrokers`). TaskManagers of a cluster build theirs with eddy/kafka and `kafkaBrokers`.
   */
  readonly kafka?: KafkaRuntime;
  /** The only Kafka brokers (`host:port`) specs may name (default: any). */
  readonly kafkaBrokers?: readonly string[];
  /**
   * TaskManagers in other isolates that run submitted specs (`eddy serve` starts one worker per
   * core): each builds its share of a spec's job itself. Without one, specs run in this isolate.
   * It bounds `maxSlots`; whoever started it closes it after `shutdown()`.
   */
  readonly cluster?: Cluster;
  /**
   * The directory `outputFs` is rooted at, which TaskManagers of the cluster open themselves. On
   * a cluster without one, specs with file sinks are refused (400).
   */
  readonly outputDir?: string;
  /** CPU budget of one call into user code of a job on the cluster, ms (default 10000; 0: none). */
  readonly userCodeBudgetMs?: number;
  /** The machine the TaskManagers run on, as `/taskmanagers` reports it (default: unknown, 0). */
  readonly hardware?: Hardware;
  /** The jobs (pass one to add jobs built in code, e.g. the demo). */
  readonly registry?: JobRegistry;
  /**
   * Keeps submitted jobs across restarts (default: none, jobs live in memory). With one, jobs
   * that had not ended resume from their latest checkpoint when the app is created, and ended
   * ones are listed again: wait for `ready` before serving. Give it the same `checkpointFs` and
   * `artifacts` as before the restart.
   */
  readonly jobStore?: JobStore;
  /** Largest component upload, bytes (default 16 MiB). */
  readonly maxArtifactBytes?: number;
  /** Largest JSON body, bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Jobs running at once; more submissions answer 429 (default 32). */
  readonly maxJobs?: number;
  /**
   * Task slots the running jobs take together (default: the cluster's slots, or 256 without one);
   * a job takes as many as its largest parallelism (Flink's slot sharing). A submission that does
   * not fit answers 429.
   */
  readonly maxSlots?: number;
  /** Where print sinks write (default console.log). */
  readonly print?: (line: string) => void;
  /** Split assignment of a source vertex (default: built-in sources, and sources that describe themselves). */
  readonly partitions?: (client: JobClient, vertexId: string) => PartitionsInfo | undefined;
}

/** The Hono app with its job registry. */
export type EddyApp = Hono & {
  readonly registry: JobRegistry;
  /** Resolves once the stored jobs are back (at once without a job store). */
  readonly ready: Promise<RecoveredJobs>;
  /** Cancels the running jobs; with a job store they are suspended and resume on the next start. */
  shutdown(): Promise<void>;
};

/**
 * The REST API as a Hono app.
 *
 * @example
 * const app = createApp({ token: "s3cret" });
 * const res = await app.request("/jobs/overview");
 */
export function createApp(options: AppOptions = {}): EddyApp {
  const registry = options.registry ?? new JobRegistry();
  const checkpointFs = options.checkpointFs ?? new MemoryFileSystem();
  const checkpointStorage: CheckpointStorage = new FileSystemCheckpointStorage(checkpointFs, "");
  const outputFs = options.outputFs ?? new MemoryFileSystem();
  const artifacts = options.artifacts ?? new MemoryArtifactStore();
  const components = options.components ?? defaultComponentRuntime();
  const kafka = options.kafka ?? defaultKafkaRuntime(options.kafkaBrokers !== undefined ? { allowedBrokers: options.kafkaBrokers } : {});
  const cluster = options.cluster;
  const maxArtifactBytes = options.maxArtifactBytes ?? 16 * 1024 * 1024;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const print = options.print ?? ((line: string) => console.log(line));
  const partitions = options.partitions ?? sourcePartitions;
  const compiled = new Map<string, Promise<unknown>>();
  const limits = new JobLimits(registry, { maxJobs: options.maxJobs, maxSlots: options.maxSlots, cluster });
  const taskManagers = { cluster, registry, limits, hardware: options.hardware };
  const recovery = options.jobStore === undefined ? undefined : new JobRecovery(options.jobStore, registry);

  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    const http = toHttpError(error);
    if (http.status >= 500 && http.status !== 501) console.error(error);
    return c.json(errorBody(http), http.status);
  });
  app.notFound((c) => c.json({ errors: [`Not found: ${new URL(c.req.url).pathname}`] }, 404));

  if (options.token !== undefined) app.use("*", tokenGuard(options.token, options.publicReads === true));
  // The rest of the body stays unread, so the connection cannot carry another request: close it.
  const tooLarge = (maxBytes: number) => (c: Context) => c.json(errorBody(new HttpError(413, `[eddy] request body too large: at most ${maxBytes} bytes accepted`)), 413, { connection: "close" });
  const jsonBody = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge(maxBodyBytes) });
  const rawUpload = bodyLimit({ maxSize: maxArtifactBytes, onError: tooLarge(maxArtifactBytes) });
  // A multipart envelope adds a few hundred bytes around the file; the file itself is checked after parsing.
  const formUpload = bodyLimit({ maxSize: maxArtifactBytes + 64 * 1024, onError: tooLarge(maxArtifactBytes) });
  const uploadBody: MiddlewareHandler = (c, next) => (isMultipart(c.req.raw) ? formUpload : rawUpload)(c, next);

  const job = (c: Context): JobEntry => {
    const id = c.req.param("jobid")!;
    const entry = registry.get(id);
    if (entry === undefined) throw notFound("job", id);
    return entry;
  };
  const jobVertex = (c: Context, entry: JobEntry): VertexView => {
    const id = c.req.param("vertexid")!;
    const v = entry.client.executionGraph.jobGraph.vertices.find((x) => x.id === id);
    if (v === undefined) throw new HttpError(404, `[eddy] vertex "${id}" not found in job "${entry.id}"`);
    return v;
  };
  const vertex = (c: Context, entry: JobEntry) => {
    const id = c.req.param("vertexid")!;
    const v = entry.client.metrics().vertices.find((x) => x.id === id);
    if (v === undefined) throw new HttpError(404, `[eddy] vertex "${id}" not found in job "${entry.id}"`);
    return v;
  };

  app.get("/", describe({ summary: "The dashboard (needs no token: the page asks for it)", open: true, ok: { 200: ["An HTML page, with its script and styles inline", { media: "text/html", schema: { type: "string" } }] } }), (c) => c.html(dashboardHtml()));
  let document: Promise<object> | undefined;
  app.get("/openapi.json", describe({ summary: "This document, generated from the routes (needs no token)", open: true, ok: { 200: ["An OpenAPI 3.1 document", { media: "application/json", schema: { type: "object", required: ["openapi", "info", "paths"] } }] } }), async (c) => c.json(await (document ??= openApiDocument(app, EDDY_VERSION))));
  app.get("/config", describe({ summary: "Web UI configuration", ok: { 200: ["Flink's DashboardConfiguration", R.DashboardConfiguration] } }), (c) => c.json(dashboardConfiguration()));
  app.get("/overview", describe({ summary: "Cluster overview: TaskManagers, slots and jobs by state", ok: { 200: ["Flink's ClusterOverviewWithVersion", R.ClusterOverview] } }), (c) =>
    c.json(
      clusterOverview({
        taskManagers: taskManagerCount(cluster),
        slotsTotal: limits.maxSlots,
        slotsAvailable: limits.slotsAvailable(),
        jobStatuses: registry.all().map((j) => j.client.getJobStatus()),
      }),
    ),
  );
  app.get("/jobmanager/config", describe({ summary: "The server's settings as configuration entries", ok: { 200: ["Keys and values", R.ConfigurationInfo] } }), (c) => c.json(jobManagerConfig()));
  app.get("/taskmanagers", describe({ summary: "The TaskManagers, with slots and heartbeats", ok: { 200: ["Flink's TaskManagersInfo", R.TaskManagersInfo] } }), (c) => c.json(taskManagersInfo(taskManagers)));
  app.get("/taskmanagers/:taskmanagerid", describe({ summary: "A TaskManager, with heap metrics and its allocated slots", ok: { 200: ["Flink's TaskManagerDetailsInfo", R.TaskManagerDetailsInfo] }, errors: [404] }), (c) => c.json(taskManagerDetails(taskManagers, c.req.param("taskmanagerid"))));
  app.get("/metrics", describe({ summary: "Prometheus metrics", ok: { 200: ["Prometheus text format 0.0.4", { media: "text/plain", schema: { type: "string" } }] } }), (c) => c.body(prometheusText(registry.all()), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));

  app.get("/jobs", describe({ summary: "Job ids and states", ok: { 200: ["Flink's JobIdsWithStatusOverview", R.JobIdsWithStatusOverview] } }), (c) => c.json({ jobs: registry.all().map((j) => ({ id: j.id, status: j.client.getJobStatus() })) }));
  app.get("/jobs/overview", describe({ summary: "Every job with state, times and task counts", ok: { 200: ["Flink's MultipleJobsDetails", R.MultipleJobsDetails] } }), (c) => c.json({ jobs: registry.all().map(jobOverview) }));

  app.post("/jobs", describe({ summary: "Submit a job spec", body: requestBody("JobSpec", true), ok: { 202: ["The job was accepted and starts", R.JobSubmitResponse] }, errors: [413, 429, 501] }), jsonBody, async (c) => {
    const spec = await resolveSavepoint(await readJson(c, JobSpec, "job spec"), registry, checkpointStorage);
    const admitted = limits.admitJob();
    try {
      const client = await launch(spec, { id: randomHexId(), jobKey: `${safeName(spec.name)}-${randomHexId().slice(0, 8)}`, submitted: Date.now() });
      return c.json({ jobid: client.jobId, jobUrl: `/jobs/${client.jobId}` }, 202);
    } finally {
      admitted();
    }
  });

  app.get("/jobs/:jobid", describe({ summary: "Job details: state, vertices with parallelism, status counts, timestamps, and the TaskManager of each subtask (`vertices[].subtasks`)", ok: { 200: ["Flink's JobDetailsInfo", R.JobDetailsInfo] }, errors: [404] }), (c) => c.json(jobDetails(job(c))));
  app.patch("/jobs/:jobid", describe({ summary: "Cancel the job", query: [{ name: "mode", description: "Only cancel", schema: { type: "string", enum: ["cancel"] } }], ok: { 202: ["Cancellation requested", R.Empty] }, errors: [404, 409] }), (c) => {
    const entry = job(c);
    const mode = c.req.query("mode");
    if (mode !== undefined && mode !== "cancel") throw new HttpError(400, `[eddy] mode must be "cancel", got "${mode}"`, [{ path: "mode", message: 'expected "cancel"' }]);
    const status = entry.client.getJobStatus();
    if (entry.live === undefined || isTerminal(status)) throw new HttpError(409, `[eddy] job "${entry.id}" is ${status}: only a job that has not ended can be cancelled`);
    void entry.live.cancel();
    return c.json({}, 202);
  });
  app.get("/jobs/:jobid/plan", describe({ summary: "The job's dataflow plan: vertices and the edges between them with their ship strategy", ok: { 200: ["Flink's JobPlanInfo", R.JobPlanInfo] }, errors: [404] }), (c) => c.json(jobPlan(job(c))));
  app.get("/jobs/:jobid/exceptions", describe({ summary: "Root exception and exception history", ok: { 200: ["Flink's JobExceptionsInfoWithHistory", R.JobExceptionsInfoWithHistory] }, errors: [404] }), (c) => c.json(jobExceptions(job(c))));
  app.get("/jobs/:jobid/status", describe({ summary: "The job's status", ok: { 200: ["Flink's JobStatusInfo", R.JobStatusInfo] }, errors: [404] }), (c) => c.json(jobStatus(job(c))));
  app.get("/jobs/:jobid/config", describe({ summary: "The job's execution configuration", ok: { 200: ["Flink's JobConfigInfo as Flink writes it", R.JobConfigInfo] }, errors: [404] }), (c) => c.json(jobConfig(job(c))));
  // Flink's answer for a job without checkpointing is 404.
  const noCheckpointing = (entry: JobEntry) => new HttpError(404, `[eddy] checkpointing has not been enabled for job "${entry.id}"`);
  app.get("/jobs/:jobid/checkpoints", describe({ summary: "Checkpoint counts, summary with percentiles, latest and history", ok: { 200: ["Flink's CheckpointingStatistics", R.CheckpointingStatistics] }, errors: [404] }), (c) => {
    const entry = job(c);
    return c.json(checkpointingStatistics(entry) ?? raise(noCheckpointing(entry)));
  });
  app.get("/jobs/:jobid/checkpoints/config", describe({ summary: "The job's checkpointing configuration", ok: { 200: ["Flink's CheckpointConfigInfo", R.CheckpointConfigInfo] }, errors: [404] }), (c) => {
    const entry = job(c);
    return c.json(checkpointConfigInfo(entry.client.configuration()) ?? raise(noCheckpointing(entry)));
  });
  app.get("/jobs/:jobid/checkpoints/details/:checkpointid", describe({ summary: "One checkpoint of the history, with each vertex's statistics", ok: { 200: ["Flink's CheckpointStatistics", R.CheckpointStatistics] }, errors: [404] }), (c) => c.json(checkpointDetails(job(c), c.req.param("checkpointid"))));
  app.get("/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid", describe({ summary: "One checkpoint of one vertex, per subtask", ok: { 200: ["Flink's TaskCheckpointStatisticsWithSubtaskDetails", R.TaskCheckpointStatisticsWithSubtaskDetails] }, errors: [404] }), (c) => c.json(checkpointSubtasks(job(c), c.req.param("checkpointid"), c.req.param("vertexid"))));
  app.get("/jobs/:jobid/vertices/:vertexid", describe({ summary: "A vertex with each subtask's state, records and TaskManager", ok: { 200: ["Flink's JobVertexDetailsInfo", R.JobVertexDetailsInfo] }, errors: [404] }), (c) => {
    const entry = job(c);
    return c.json(vertexDetails(entry, jobVertex(c, entry)));
  });
  app.get("/jobs/:jobid/vertices/:vertexid/subtasktimes", describe({ summary: "When each subtask entered each state", ok: { 200: ["Flink's SubtasksTimesInfo", R.SubtasksTimesInfo] }, errors: [404] }), (c) => {
    const entry = job(c);
    return c.json(subtaskTimes(entry, jobVertex(c, entry)));
  });
  app.get("/jobs/:jobid/vertices/:vertexid/backpressure", describe({ summary: "Backpressure level and per-subtask ratios", ok: { 200: ["Flink's JobVertexBackPressureInfo", R.JobVertexBackPressureInfo] }, errors: [404] }), (c) => {
    const entry = job(c);
    return c.json(vertexBackpressure(vertex(c, entry)));
  });
  app.get("/jobs/:jobid/vertices/:vertexid/watermarks", describe({ summary: "Per-subtask input and output watermarks", ok: { 200: ["Metrics `<subtask>.currentInputWatermark` and `<subtask>.currentOutputWatermark`", R.MetricCollection] }, errors: [404] }), (c) => {
    const entry = job(c);
    return c.json(vertexWatermarks(vertex(c, entry)));
  });
  app.get("/jobs/:jobid/metrics", describe({ summary: "Job metrics", query: [{ name: "get", description: "Comma-separated metric ids whose values to return", schema: { type: "string" } }], ok: { 200: ["Metric ids, with values for those asked for", R.MetricCollection] }, errors: [404] }), (c) => {
    const values = jobMetricValues(job(c));
    const wanted = c.req.query("get");
    if (wanted === undefined) return c.json(Object.keys(values).map((id) => ({ id })));
    return c.json(wanted.split(",").filter((id) => Object.hasOwn(values, id)).map((id) => ({ id, value: values[id] })));
  });
  app.get("/jobs/:jobid/sources/:vertexid/partitions", describe({ summary: "Split (partition) assignment and discovery state of a source", ok: { 200: ["Each reader's splits, and the enumerator's discovery", R.PartitionsInfo] }, errors: [404] }), (c) => {
    const entry = job(c);
    const id = c.req.param("vertexid");
    if (entry.live === undefined) throw new HttpError(404, `[eddy] job "${entry.id}" has ended (${entry.client.getJobStatus()}): its sources hold no partitions any more`);
    const info = partitions(entry.live, id);
    if (info === undefined) throw new HttpError(404, `[eddy] vertex "${id}" is not a source of job "${entry.id}"`);
    return c.json(info);
  });
  app.get("/jobs/:jobid/results", describe({ summary: "Records kept by the job's collect sink", query: [{ name: "offset", description: "First record", schema: { type: "integer", minimum: 0 } }, { name: "limit", description: "Most records (default 10000)", schema: { type: "integer", minimum: 0 } }], ok: { 200: ["Records", R.CollectedResults] }, errors: [404] }), (c) => {
    const entry = job(c);
    if (entry.results === undefined) throw new HttpError(404, `[eddy] job "${entry.id}" has no collect sink`);
    const offset = Math.max(0, Number(c.req.query("offset") ?? 0) || 0);
    const limit = Math.min(100_000, Math.max(0, Number(c.req.query("limit") ?? 10_000) || 10_000));
    const { size, total } = entry.results;
    return c.json({ total, kept: size, records: entry.results.slice(offset, offset + limit) });
  });

  // Triggers: a client-chosen triggerId makes retries idempotent.
  const startTrigger = (entry: JobEntry, kind: Trigger["kind"], requested: string | undefined, run: (job: JobClient) => ReturnType<JobClient["triggerSavepoint"]>): string => {
    const id = requested ?? randomHexId();
    const live = entry.live;
    // A known trigger id is a retry: it finds the first trigger, even once the job has ended.
    if (!entry.triggers.has(id)) {
      if (live === undefined || isTerminal(entry.client.getJobStatus())) {
        throw new HttpError(409, `[eddy] job "${entry.id}" is ${entry.client.getJobStatus()}: no ${kind} can be taken`);
      }
      if (entry.client.checkpointStats() === undefined) {
        throw new HttpError(409, `[eddy] job "${entry.id}" runs without checkpointing: no ${kind} can be taken (give its spec "checkpointing")`);
      }
    }
    return registry.trigger(entry, kind, id, () => run(live!)).id;
  };
  app.post("/jobs/:jobid/savepoints", describe({ summary: "Trigger a savepoint", body: requestBody("SavepointRequest", false), ok: { 202: ["The trigger id", R.TriggerResponse] }, errors: [404, 409, 413] }), jsonBody, async (c) => {
    const entry = job(c);
    const body = await readJson(c, SavepointRequest, "savepoint request", true);
    const id = startTrigger(entry, "savepoint", body.triggerId, async (live) => {
      const result = await live.triggerSavepoint();
      if (body["cancel-job"] === true) await live.cancel();
      return result;
    });
    return c.json({ "request-id": id }, 202);
  });
  app.post("/jobs/:jobid/stop", describe({ summary: "Stop with a savepoint", body: requestBody("StopRequest", false), ok: { 202: ["The trigger id", R.TriggerResponse] }, errors: [404, 409, 413] }), jsonBody, async (c) => {
    const entry = job(c);
    const body = await readJson(c, StopRequest, "stop request", true);
    const id = startTrigger(entry, "stop", body.triggerId, (live) => live.stopWithSavepoint({ drain: body.drain ?? false }));
    return c.json({ "request-id": id }, 202);
  });
  app.post("/jobs/:jobid/checkpoints", describe({ summary: "Trigger a checkpoint", body: requestBody("CheckpointRequest", false), ok: { 202: ["The trigger id", R.TriggerResponse] }, errors: [404, 409, 413] }), jsonBody, async (c) => {
    const entry = job(c);
    const body = await readJson(c, CheckpointRequest, "checkpoint request", true);
    const id = startTrigger(entry, "checkpoint", body.triggerId, (live) => live.triggerCheckpoint());
    return c.json({ "request-id": id }, 202);
  });
  const getTrigger = (c: Context, kinds: Trigger["kind"][]) => {
    const entry = job(c);
    const id = c.req.param("triggerid")!;
    const t = entry.triggers.get(id);
    if (t === undefined || !kinds.includes(t.kind)) throw notFound("trigger", id);
    return c.json(triggerStatus(t));
  };
  app.get("/jobs/:jobid/savepoints/:triggerid", describe({ summary: "Status of a savepoint or stop trigger", ok: { 200: ["Flink's AsynchronousOperationResult", R.AsynchronousOperationResult] }, errors: [404] }), (c) => getTrigger(c, ["savepoint", "stop"]));
  app.get("/jobs/:jobid/checkpoints/:triggerid", describe({ summary: "Status of a checkpoint trigger", ok: { 200: ["Flink's AsynchronousOperationResult", R.AsynchronousOperationResult] }, errors: [404] }), (c) => getTrigger(c, ["checkpoint"]));

  // Artifacts: WebAssembly components, stored by sha256.
  app.get("/artifacts", describe({ summary: "Uploaded components", ok: { 200: ["Their ids, worlds, imports and exports", R.ArtifactList] } }), async (c) => c.json({ artifacts: await artifacts.list() }));
  app.get("/artifacts/:id", describe({ summary: "An uploaded component: size, world, imports and exports", ok: { 200: ["The component", R.ArtifactInfo] }, errors: [404] }), async (c) => {
    const id = c.req.param("id");
    const info = await artifacts.info(id);
    if (info === undefined) throw notFound("artifact", id);
    return c.json(info);
  });
  app.post("/artifacts", describe({ summary: "Upload a WebAssembly component (raw body or multipart field)", body: { required: true, content: { "application/wasm": { schema: { type: "string", format: "binary" } }, "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } } } } } }, ok: { 201: ["Stored", R.ArtifactInfo], 200: ["Stored before: the first upload's info", R.ArtifactInfo] }, errors: [413, 501] }), uploadBody, async (c) => {
    const bytes = await uploadedBytes(c.req.raw, maxArtifactBytes);
    if (bytes.length === 0) throw new HttpError(400, "[eddy] empty upload: send the component's bytes as the body (application/wasm) or as a multipart file");
    const id = await sha256Hex(bytes);
    const existing = await artifacts.info(id);
    if (existing !== undefined) return c.json(existing);
    const declared = await components.readWorld(bytes, `artifact ${id.slice(0, 12)}`);
    if (declared.world === undefined) {
      const got = declared.exports.length > 0 ? declared.exports.join(", ") : "nothing";
      throw new HttpError(400, `[eddy] the component implements no eddy:operator world: it exports ${got}`);
    }
    const info: ArtifactInfo = { id, size: bytes.length, world: declared.world, imports: declared.imports, exports: declared.exports, created: Date.now() };
    return c.json(await artifacts.put(info, bytes), 201);
  });

  /** `/jobmanager/config`: the server's settings as Flink's configuration entries (keys of Flink's where the setting is Flink's). */
  function jobManagerConfig(): { key: string; value: string }[] {
    const entries: Record<string, string | number | boolean> = {
      "eddy.version": EDDY_VERSION,
      "jobmanager.scheduler": "default",
      "taskmanager.numberOfTaskSlots": cluster === undefined ? limits.maxSlots : (cluster.taskManagers()[0]?.slotsNumber ?? 0),
      "cluster.number-of-taskmanagers": taskManagerCount(cluster),
      "slots.max": limits.maxSlots,
      "jobs.max": limits.maxJobs,
      "rest.server.max-content-length": maxBodyBytes,
      "artifacts.max-bytes": maxArtifactBytes,
      "security.bearer-token.enabled": options.token !== undefined,
      "security.bearer-token.public-reads": options.publicReads === true,
      "web.submit.enable": false,
      "web.cancel.enable": true,
      "web.refresh-interval": 3000,
      ...(options.userCodeBudgetMs !== undefined ? { "user-code.cpu-budget-ms": options.userCodeBudgetMs } : {}),
      ...(options.kafkaBrokers !== undefined ? { "kafka.allowed-brokers": options.kafkaBrokers.join(",") } : {}),
    };
    return Object.entries(entries).map(([key, value]) => ({ key, value: String(value) }));
  }

  /**
   * Builds `spec` and starts it as job `job.id`. A new job takes free slots and is stored first;
   * a stored one (`stored`, after a restart) was admitted before, keeps its record, and recovers
   * its latest checkpoint by job key.
   */
  async function launch(spec: JobSpec, job: Pick<JobRecord, "id" | "jobKey" | "submitted">, stored?: JobRecord): Promise<JobClient> {
    const context: GraphContext & { outputFs: FileSystem } = {
      outputFs,
      print,
      submitted: job.submitted,
      jobKey: job.jobKey,
      kafka,
      component: async (id, kind, name, path) => components.provider(await componentFor(id, kind, path), name),
    };
    const built = cluster === undefined ? await buildJob(spec, { ...context, checkpointStorage, jobKey: job.jobKey }) : await buildOnCluster(cluster, spec, job, context);
    const client = built.env.prepare(spec.name, { jobId: job.id });
    const record = stored ?? { ...job, name: spec.name, spec, artifacts: artifactsOf(spec), plan: vertexViews(client) };
    if (stored === undefined) {
      limits.checkSlots(client.executionGraph.slots);
      if (recovery !== undefined) {
        await recovery.submitted(record);
        try {
          limits.checkSlots(client.executionGraph.slots);
        } catch (error) {
          // Another submission took the slots while the record was written.
          await recovery.forget(record.id);
          throw error;
        }
      }
    }
    // No await between the last check and add: concurrent submissions cannot both take the last slots.
    client.start();
    recovery?.watch(record, client);
    registry.add(client, { spec: record.spec, results: built.results, submitted: job.submitted, jobKey: job.jobKey });
    return client;
  }

  /**
   * Builds `spec` as a job on the cluster: the JobManager's part here (checkpointing, restarts,
   * savepoint; the graph with this server's result buffer and compiled components), and for the
   * TaskManagers everything they need to build the same graph themselves.
   */
  async function buildOnCluster(on: Cluster, spec: JobSpec, job: Pick<JobRecord, "jobKey" | "submitted">, context: GraphContext): Promise<BuiltJob> {
    const env = StreamExecutionEnvironment.create({ ...environmentOptions(spec), cluster: on, ...(options.userCodeBudgetMs !== undefined ? { userCodeBudgetMs: options.userCodeBudgetMs } : {}) });
    configureJobManager(env, spec, { checkpointStorage, jobKey: job.jobKey });
    const bytes: Record<string, Uint8Array> = {};
    for (const id of artifactsOf(spec)) {
      // An unknown id is refused while the graph is built, naming the operator that names it.
      const b = isArtifactId(id) ? await artifacts.get(id) : undefined;
      if (b !== undefined) bytes[id] = b;
    }
    const params: SpecJobParams = {
      spec,
      submitted: job.submitted,
      jobKey: job.jobKey,
      artifacts: bytes,
      ...(options.outputDir !== undefined ? { outputDir: options.outputDir } : {}),
      ...(options.kafkaBrokers !== undefined ? { kafkaBrokers: options.kafkaBrokers } : {}),
    };
    const results = await buildSpecJob(env, params, { ...context, outputFs: options.outputDir !== undefined ? outputFs : undefined });
    return { env, results };
  }

  /** The compiled component of an artifact, checked against the operator kind that uses it. */
  async function componentFor(id: string, kind: string, path: string): Promise<unknown> {
    const info = isArtifactId(id) ? await artifacts.info(id) : undefined;
    if (info === undefined) throw new HttpError(400, "[eddy] invalid job spec", [{ path, message: `expected an uploaded artifact: "${id}" is unknown (POST /artifacts first)` }]);
    const world = worldForKind(kind as Parameters<typeof worldForKind>[0]);
    if (info.world !== world) throw new HttpError(400, "[eddy] invalid job spec", [{ path, message: `expected a component of world ${world} for kind ${kind}, got ${info.world ?? "none"}` }]);
    let p = compiled.get(id);
    if (p === undefined) {
      const bytes = await artifacts.get(id);
      if (bytes === undefined) throw new HttpError(400, "[eddy] invalid job spec", [{ path, message: `expected an uploaded artifact: the bytes of "${id}" are missing` }]);
      p = components.compile(bytes, `artifact ${id.slice(0, 12)}`);
      compiled.set(id, p);
      p.catch(() => compiled.delete(id));
    }
    return p;
  }

  const ready: Promise<RecoveredJobs> =
    recovery === undefined
      ? Promise.resolve({ resumed: [], ended: [], failed: [], unreadable: [] })
      : recovery.recover({ registry, checkpoints: checkpointStorage, launch: (spec, record) => launch(spec, record, record) });
  return Object.assign(app, {
    registry,
    ready,
    shutdown: async () => {
      recovery?.suspend();
      await registry.shutdown();
    },
  });
}

/** Throws `error` where an expression is expected. */
function raise(error: Error): never {
  throw error;
}

/** Ids of the artifacts a spec names. */
function artifactsOf(spec: JobSpec): string[] {
  return [...new Set((spec.operators ?? []).flatMap((op) => (op.type === "wasm" ? [op.artifact] : [])))];
}

function isMultipart(request: Request): boolean {
  return (request.headers.get("content-type") ?? "").startsWith("multipart/form-data");
}

/** The component bytes (the body is within its limit already): the raw body, or the first file of a multipart form. */
async function uploadedBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!isMultipart(request)) return new Uint8Array(await request.arrayBuffer());
  let form: FormData;
  try {
    form = await request.formData();
  } catch (error) {
    throw new HttpError(400, `[eddy] malformed multipart upload: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const value of form.values()) {
    if (typeof value !== "string") {
      const bytes = new Uint8Array(await value.arrayBuffer());
      if (bytes.length > maxBytes) throw new HttpError(413, `[eddy] request body too large: at most ${maxBytes} bytes accepted`);
      return bytes;
    }
  }
  throw new HttpError(400, "[eddy] the multipart upload has no file field");
}
