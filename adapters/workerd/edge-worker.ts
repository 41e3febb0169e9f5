/**
 * `createEdgeWorker(options)`: Eddy on Durable Objects. It returns the Worker's fetch handler
 * (the HTTP API, which routes each job to its JobManager object) and the Durable Object classes
 * the Worker's entry module must export under their names (EddyJobManager, EddyTaskManager,
 * EddyIngest, EddyDirectory). The entry passes in the platform's `DurableObject` base class and
 * the job modules and WebAssembly components it bundled; `eddy bundle` writes such an entry.
 */
import type { JobSpec } from "../../server/job-spec.ts";
import type { KafkaRuntime } from "../../server/kafka.ts";
import type { ModuleLoader } from "../../core/runtime/task-manager.ts";
import { EddyError } from "../../core/errors.ts";
import { type HttpError, toHttpError } from "../../server/errors.ts";
import { JobDirectory } from "./directory-object.ts";
import type { DurableObjectBase, DurableObjectNamespace, DurableObjectState, DurableWebSocket, WebSocketPairConstructor } from "./durable-object.ts";
import { registerBundledComponents } from "./bundled-components.ts";
import { bindEdgeConnectors } from "./edge-binding.ts";
import { type JobManagerRpc, type TaskManagerAddress, type TaskManagerRpc, taskManagerObjectName } from "./edge-protocol.ts";
import { type EdgeObjects, type JobManagerApi, edgeApp } from "./edge-app.ts";
import { DurableIngest } from "./ingest-object.ts";
import type { IngestLogRpc } from "./ingest-protocol.ts";
import { DurableJobManager, type JobManagerContext, SPEC_MODULE, type SubmitOutcome } from "./job-manager-object.ts";
import { type BundledComponent, specJobModule } from "./spec-job.ts";
import { DurableTaskManager, type TaskManagerContext } from "./task-manager-object.ts";

/** The bindings a Worker made by {@link createEdgeWorker} is given (its wrangler or workerd config). */
export interface EdgeEnv {
  readonly EDDY_JOB_MANAGER: DurableObjectNamespace;
  readonly EDDY_TASK_MANAGER: DurableObjectNamespace;
  readonly EDDY_INGEST: DurableObjectNamespace;
  readonly EDDY_DIRECTORY: DurableObjectNamespace;
  // Settings are text bindings (workerd passes an unset environment variable as null).
  /** When set, API requests need `Authorization: Bearer <token>` (a secret: `wrangler secret put EDDY_TOKEN`). */
  readonly EDDY_TOKEN?: string | null;
  /** `"true"`: reads need no token. */
  readonly EDDY_PUBLIC_READS?: string | null;
  /** Jobs running at once (default 32). */
  readonly EDDY_MAX_JOBS?: string | null;
  /** Task slots the running jobs take together (default 256). */
  readonly EDDY_MAX_SLOTS?: string | null;
}

/** Options of {@link createEdgeWorker}. */
export interface EdgeWorkerOptions {
  /** The platform's base class: `import { DurableObject } from "cloudflare:workers"`. */
  readonly DurableObject: DurableObjectBase;
  /** Job modules by the name job references use (`{ module: "<name>", export: "<builder>" }`). */
  readonly modules?: Readonly<Record<string, Record<string, unknown>>>;
  /** Components compiled into the bundle (`eddy bundle --component`), named as specs name them. */
  readonly components?: readonly BundledComponent[];
  /** Kafka sources and sinks of specs (`edgeKafkaRuntime()`, which eddy bundle passes); without it Kafka specs are answered 501. */
  readonly kafka?: KafkaRuntime;
  /** A job spec the Worker starts on its first request and keeps running (one job, whatever the requests). */
  readonly start?: JobSpec;
}

/** What the Worker's entry module exports. */
export interface EdgeWorker {
  fetch(request: Request, env: EdgeEnv): Promise<Response>;
  readonly EddyJobManager: DurableObjectBase;
  readonly EddyTaskManager: DurableObjectBase;
  readonly EddyIngest: DurableObjectBase;
  readonly EddyDirectory: DurableObjectBase;
}

type Rpc<T> = T & { fetch(request: Request): Promise<Response> };

/** Stubs by object name, kept per namespace: calls on one stub arrive in order. */
function stubs<T>(namespace: DurableObjectNamespace): (name: string) => Rpc<T> {
  const cache = new Map<string, Rpc<T>>();
  return (name) => {
    let stub = cache.get(name);
    if (stub === undefined) cache.set(name, (stub = namespace.get(namespace.idFromName(name)) as Rpc<T>));
    return stub;
  };
}

/** The name of the directory object (one per deployment). */
const DIRECTORY = "directory";

function limit(value: string | null | undefined, fallback: number, name: string): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new EddyError(`[eddy] ${name} must be an integer >= 1, got "${value}"`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
  return n;
}

/**
 * Eddy's Worker and Durable Object classes.
 *
 * @example
 * import { DurableObject } from "cloudflare:workers";
 * import { createEdgeWorker } from "eddy/workerd";
 * import * as jobs from "./jobs.ts";
 * const edge = createEdgeWorker({ DurableObject, modules: { jobs } });
 * export default { fetch: edge.fetch };
 * export const { EddyJobManager, EddyTaskManager, EddyIngest, EddyDirectory } = edge;
 */
export function createEdgeWorker(options: EdgeWorkerOptions): EdgeWorker {
  const modules = options.modules ?? {};
  const components = options.components ?? [];
  const kafka = options.kafka !== undefined ? { kafka: options.kafka } : {};
  // Job modules' builders find them by name (bundledComponent), as specs do.
  registerBundledComponents(components);
  const loader =
    (spec: Record<string, unknown>): ModuleLoader =>
    async (specifier) => {
      if (specifier === SPEC_MODULE) return spec;
      const module = modules[specifier];
      if (module === undefined) {
        const known = Object.keys(modules);
        throw new EddyError(`[eddy] the job module "${specifier}" is not in this bundle${known.length > 0 ? `: it has ${known.map((k) => `"${k}"`).join(", ")}` : ""} (workerd cannot import modules at run time: bundle it with eddy bundle)`, { code: "INVALID_JOB", domain: "user", retryable: false });
      }
      return module;
    };
  const Base = options.DurableObject;
  const WebSocketPair = (globalThis as { WebSocketPair?: WebSocketPairConstructor }).WebSocketPair;

  class EddyTaskManager extends Base {
    private readonly tm: DurableTaskManager;
    constructor(ctx: DurableObjectState, env: EdgeEnv) {
      super(ctx, env);
      const jobManagers = stubs<JobManagerRpc>(env.EDDY_JOB_MANAGER);
      const taskManagers = stubs<TaskManagerRpc>(env.EDDY_TASK_MANAGER);
      const ingest = stubs<IngestLogRpc>(env.EDDY_INGEST);
      const context: TaskManagerContext = {
        jobManager: (jobId) => jobManagers(jobId),
        taskManager: (address: TaskManagerAddress) => taskManagers(taskManagerObjectName(address)),
        load: loader(specJobModule({ components, ...kafka })),
        prepare: (graph, deployment) => {
          const jobId = deployment.jobId;
          bindEdgeConnectors(graph.jobGraph.streamGraph, { jobId, ingestLog: (source, p) => ingest(`${jobId}/${source}/${p}`) });
        },
      };
      this.tm = new DurableTaskManager(ctx, context);
    }
    receive(...args: Parameters<DurableTaskManager["receive"]>): ReturnType<DurableTaskManager["receive"]> {
      return this.tm.receive(...args);
    }
    receiveData(...args: Parameters<DurableTaskManager["receiveData"]>): ReturnType<DurableTaskManager["receiveData"]> {
      return this.tm.receiveData(...args);
    }
    heartbeat(...args: Parameters<DurableTaskManager["heartbeat"]>): ReturnType<DurableTaskManager["heartbeat"]> {
      return this.tm.heartbeat(...args);
    }
    alarm(): Promise<void> {
      return this.tm.alarm();
    }
  }

  class EddyJobManager extends Base {
    private readonly jm: DurableJobManager;
    constructor(ctx: DurableObjectState, env: EdgeEnv) {
      super(ctx, env);
      const jobManagers = stubs<DurableJobManager>(env.EDDY_JOB_MANAGER);
      const taskManagers = stubs<TaskManagerRpc>(env.EDDY_TASK_MANAGER);
      const ingest = stubs<IngestLogRpc>(env.EDDY_INGEST);
      const directory = stubs<JobDirectory>(env.EDDY_DIRECTORY);
      const context: JobManagerContext = {
        taskManager: (address) => taskManagers(taskManagerObjectName(address)),
        jobManager: (name) => jobManagers(name),
        directory: () => directory(DIRECTORY),
        endIngest: async (jobId, source, partitions) => {
          await Promise.all(Array.from({ length: partitions }, (_, p) => ingest(`${jobId}/${source}/${p}`).end()));
        },
        setIngestRate: async (jobId, source, partitions, rate) => {
          await Promise.all(Array.from({ length: partitions }, (_, p) => ingest(`${jobId}/${source}/${p}`).setAdmissionRate(rate)));
        },
        jobModules: (manager) => loader(specJobModule({ components, ...kafka, results: () => manager.resultBuffer! })),
        refusal: (error): SubmitOutcome => {
          const http: HttpError = toHttpError(error);
          return { ok: false, status: http.status, errors: [http.message], ...(http.fields.length > 0 ? { fields: [...http.fields] } : {}) };
        },
      };
      this.jm = new DurableJobManager(ctx, context);
    }
    submit(...args: Parameters<DurableJobManager["submit"]>): ReturnType<DurableJobManager["submit"]> {
      return this.jm.submit(...args);
    }
    view(): ReturnType<DurableJobManager["view"]> {
      return this.jm.view();
    }
    resultSlice(...args: Parameters<DurableJobManager["resultSlice"]>): ReturnType<DurableJobManager["resultSlice"]> {
      return this.jm.resultSlice(...args);
    }
    cancel(): ReturnType<DurableJobManager["cancel"]> {
      return this.jm.cancel();
    }
    trigger(...args: Parameters<DurableJobManager["trigger"]>): ReturnType<DurableJobManager["trigger"]> {
      return this.jm.trigger(...args);
    }
    triggerStatus(...args: Parameters<DurableJobManager["triggerStatus"]>): ReturnType<DurableJobManager["triggerStatus"]> {
      return this.jm.triggerStatus(...args);
    }
    partitions(...args: Parameters<DurableJobManager["partitions"]>): ReturnType<DurableJobManager["partitions"]> {
      return this.jm.partitions(...args);
    }
    taskManagers(): ReturnType<DurableJobManager["taskManagers"]> {
      return this.jm.taskManagers();
    }
    ingestTarget(...args: Parameters<DurableJobManager["ingestTarget"]>): ReturnType<DurableJobManager["ingestTarget"]> {
      return this.jm.ingestTarget(...args);
    }
    endIngest(...args: Parameters<DurableJobManager["endIngest"]>): ReturnType<DurableJobManager["endIngest"]> {
      return this.jm.endIngest(...args);
    }
    fromTaskManager(...args: Parameters<DurableJobManager["fromTaskManager"]>): ReturnType<DurableJobManager["fromTaskManager"]> {
      return this.jm.fromTaskManager(...args);
    }
    readCheckpoint(location: string): Promise<Uint8Array> {
      return this.jm.readCheckpoint(location);
    }
    importSavepoint(...args: Parameters<DurableJobManager["importSavepoint"]>): ReturnType<DurableJobManager["importSavepoint"]> {
      return this.jm.importSavepoint(...args);
    }
    alarm(): Promise<void> {
      return this.jm.alarm();
    }
  }

  class EddyIngest extends Base {
    private readonly log: DurableIngest;
    constructor(ctx: DurableObjectState, env: EdgeEnv) {
      super(ctx, env);
      const ingest = stubs<IngestLogRpc>(env.EDDY_INGEST);
      this.log = new DurableIngest(ctx, WebSocketPair, (jobId, source, p) => ingest(`${jobId}/${source}/${p}`));
    }
    append(...args: Parameters<DurableIngest["append"]>): ReturnType<DurableIngest["append"]> {
      return this.log.append(...args);
    }
    read(...args: Parameters<DurableIngest["read"]>): ReturnType<DurableIngest["read"]> {
      return this.log.read(...args);
    }
    commit(seq: number): Promise<void> {
      return this.log.commit(seq);
    }
    end(): Promise<void> {
      return this.log.end();
    }
    setAdmissionRate(rate: number | undefined): Promise<void> {
      return this.log.setAdmissionRate(rate);
    }
    fetch(request: Request): Promise<Response> {
      return this.log.fetch(request);
    }
    webSocketMessage(ws: DurableWebSocket, message: string | ArrayBuffer): Promise<void> {
      return this.log.webSocketMessage(ws, message);
    }
    webSocketClose(ws: DurableWebSocket, code: number): void {
      this.log.webSocketClose(ws, code);
    }
  }

  class EddyDirectory extends Base {
    private readonly directory: JobDirectory;
    constructor(ctx: DurableObjectState, env: EdgeEnv) {
      super(ctx, env);
      this.directory = new JobDirectory(ctx.storage, { maxJobs: limit(env.EDDY_MAX_JOBS, 32, "EDDY_MAX_JOBS"), maxSlots: limit(env.EDDY_MAX_SLOTS, 256, "EDDY_MAX_SLOTS") });
    }
    admit(...args: Parameters<JobDirectory["admit"]>): ReturnType<JobDirectory["admit"]> {
      return this.directory.admit(...args);
    }
    ended(id: string): Promise<void> {
      return this.directory.ended(id);
    }
    list(): ReturnType<JobDirectory["list"]> {
      return this.directory.list();
    }
  }

  let app: ReturnType<typeof edgeApp> | undefined;
  let started: Promise<void> | undefined;
  const objects = (env: EdgeEnv): EdgeObjects => {
    const jobManagers = stubs<JobManagerApi>(env.EDDY_JOB_MANAGER);
    const ingest = stubs<IngestLogRpc>(env.EDDY_INGEST);
    const directory = stubs<JobDirectory>(env.EDDY_DIRECTORY);
    return {
      jobManager: (id) => jobManagers(id),
      directory: () => directory(DIRECTORY),
      ingest: (jobId, source, p) => ingest(`${jobId}/${source}/${p}`),
    };
  };
  return {
    fetch: async (request, env) => {
      app ??= edgeApp({ token: env.EDDY_TOKEN ?? undefined, publicReads: env.EDDY_PUBLIC_READS === "true", components }, (e: EdgeEnv) => objects(e));
      if (options.start !== undefined) {
        // The bundled spec runs under an id of its own name: every isolate finds the same job.
        started ??= startBundledJob(app, request, options.start, env).catch((error: unknown) => {
          started = undefined;
          throw error;
        });
        await started;
      }
      return app.fetch(request, env);
    },
    EddyJobManager,
    EddyTaskManager,
    EddyIngest,
    EddyDirectory,
  };
}

/** Submits the bundled spec unless its job exists (`PUT /jobs/:jobid` with the name's id). */
async function startBundledJob(app: { fetch(request: Request, env: EdgeEnv): Response | Promise<Response> }, request: Request, spec: JobSpec, env: EdgeEnv): Promise<void> {
  const origin = new URL(request.url).origin;
  const headers: Record<string, string> = { "content-type": "application/json", ...(env.EDDY_TOKEN ? { authorization: `Bearer ${env.EDDY_TOKEN}` } : {}) };
  const res = await app.fetch(new Request(`${origin}/jobs/${await bundledJobId(spec.name)}`, { method: "PUT", headers, body: JSON.stringify(spec) }), env);
  if (!res.ok && res.status !== 409) throw new EddyError(`[eddy] the bundled job "${spec.name}" could not start: ${await res.text()}`, { code: "INVALID_JOB", domain: "user", retryable: false });
}

/** The id of a bundled job: from its name, so it is the same in every isolate and after redeploys. */
export async function bundledJobId(name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`eddy-bundled-job:${name}`)));
  return [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

