/**
 * The HTTP API of Eddy on Durable Objects: the Flink-shaped endpoints of eddy/server, answered
 * from the job's JobManager object (the Worker itself keeps nothing between requests). The
 * JSON shapes are eddy/server's own functions (flink-json.ts), fed a snapshot of the job.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { safeName } from "../../core/index.ts";
import { randomHexId } from "../../core/graph/ids.ts";
import { endedJob } from "../../server/ended-job.ts";
import { HttpError, errorBody, notFound, toHttpError } from "../../server/errors.ts";
import { jobDetails } from "../../server/flink-json.ts";
import type { JobEntry } from "../../server/job-registry.ts";
import { readJson } from "../../server/validation.ts";
import type { DurableObjectNamespace } from "./durable-object.ts";
import type { EdgeJobRequest, JobSnapshot, SubmitOutcome } from "./job-manager-object.ts";

/** What the app calls on a job's JobManager object. */
export interface JobManagerApi {
  submit(request: EdgeJobRequest): Promise<SubmitOutcome>;
  view(): Promise<JobSnapshot | undefined>;
  resultSlice(offset: number, limit: number): Promise<{ total: number; kept: number; records: unknown[] } | undefined>;
  cancel(): Promise<boolean>;
}

/** The Worker's bindings the app uses. */
interface AppEnv {
  readonly EDDY_JOB_MANAGER: DurableObjectNamespace;
}

/** Options of {@link edgeApp}. */
export interface EdgeAppOptions {
  readonly token?: string;
}

/** A job built from a module the Worker bundled: `{ module, export, params }` as in `env.build`. */
const ModuleJob = z.strictObject({
  name: z.string({ error: "expected the job's name" }).min(1, { error: "expected a non-empty name" }),
  job: z.strictObject({
    module: z.string({ error: "expected the name of a bundled job module" }),
    export: z.string({ error: "expected the name of the module's builder export" }),
    params: z.unknown().optional(),
  }),
  parallelism: z.number().int().min(1).optional(),
  maxParallelism: z.number().int().min(1).max(32768).optional(),
  taskManagers: z.number().int().min(1).optional(),
  resultsCapacity: z.number().int().min(0).optional(),
  savepoint: z.strictObject({ path: z.string(), allowNonRestoredState: z.boolean().optional() }).optional(),
});

/** The app of {@link createEdgeWorker}. */
export function edgeApp(_options: EdgeAppOptions): Hono<{ Bindings: AppEnv }> {
  const app = new Hono<{ Bindings: AppEnv }>();
  const jobManager = (c: Context<{ Bindings: AppEnv }>, id: string): JobManagerApi => {
    const ns = c.env.EDDY_JOB_MANAGER;
    return ns.get(ns.idFromName(id)) as unknown as JobManagerApi;
  };
  const snapshot = async (c: Context<{ Bindings: AppEnv }>): Promise<JobSnapshot> => {
    const id = c.req.param("jobid")!;
    const s = /^[0-9a-f]{32}$/.test(id) ? await jobManager(c, id).view() : undefined;
    if (s === undefined) throw notFound("job", id);
    return s;
  };

  app.onError((error, c) => {
    const http = toHttpError(error);
    if (http.status >= 500 && http.status !== 501) console.error(error);
    return c.json(errorBody(http), http.status);
  });
  app.notFound((c) => c.json({ errors: [`Not found: ${new URL(c.req.url).pathname}`] }, 404));

  app.post("/jobs", async (c) => {
    const body = await readJson(c, ModuleJob, "job");
    const id = randomHexId();
    const request: EdgeJobRequest = {
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
    const outcome = await jobManager(c, id).submit(request);
    if (!outcome.ok) throw new HttpError(outcome.status as 400, outcome.errors[0] ?? "[eddy] the job was refused", outcome.fields ?? []);
    return c.json({ jobid: id, jobUrl: `/jobs/${id}` }, 202);
  });
  app.get("/jobs/:jobid", async (c) => c.json(jobDetails(entryOf(await snapshot(c)))));
  app.get("/jobs/:jobid/results", async (c) => {
    const s = await snapshot(c);
    const offset = Math.max(0, Number(c.req.query("offset") ?? 0) || 0);
    const limit = Math.min(100_000, Math.max(0, Number(c.req.query("limit") ?? 10_000) || 10_000));
    const slice = await jobManager(c, s.jobId).resultSlice(offset, limit);
    if (slice === undefined) throw new HttpError(404, `[eddy] job "${s.jobId}" has no collect sink`);
    return c.json(slice);
  });
  app.patch("/jobs/:jobid", async (c) => {
    const s = await snapshot(c);
    if (!(await jobManager(c, s.jobId).cancel())) throw new HttpError(409, `[eddy] job "${s.jobId}" is ${s.status}: only a job that has not ended can be cancelled`);
    return c.json({}, 202);
  });
  return app;
}

/** A job snapshot as eddy/server's JSON functions read it. */
export function entryOf(s: JobSnapshot): JobEntry {
  return { id: s.jobId, name: s.jobName, client: endedJob(s), live: undefined, spec: undefined, results: undefined, submitted: s.submitted, jobKey: s.jobKey, triggers: new Map() };
}
