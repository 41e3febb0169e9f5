/**
 * `createEdgeWorker(options)`: Eddy on Durable Objects. It returns the Worker's fetch handler
 * (the HTTP API, which routes each job to its JobManager object) and the Durable Object classes
 * the Worker's entry module must export under their names (EddyJobManager, EddyTaskManager,
 * EddyIngest, EddyDirectory). The entry passes in the platform's `DurableObject` base class and
 * the job modules and WebAssembly components it bundled; `eddy bundle` writes such an entry.
 */
import type { ModuleLoader } from "../../core/runtime/task-manager.ts";
import { EddyError } from "../../core/errors.ts";
import type { DurableObjectBase, DurableObjectNamespace, DurableObjectState } from "./durable-object.ts";
import { type JobManagerRpc, type TaskManagerAddress, type TaskManagerRpc, taskManagerObjectName } from "./edge-protocol.ts";
import { edgeApp } from "./edge-app.ts";
import { DurableJobManager, type JobManagerContext, type SubmitOutcome } from "./job-manager-object.ts";
import { DurableTaskManager, type TaskManagerContext } from "./task-manager-object.ts";

/** The bindings a Worker made by {@link createEdgeWorker} is given (its wrangler or workerd config). */
export interface EdgeEnv {
  readonly EDDY_JOB_MANAGER: DurableObjectNamespace;
  readonly EDDY_TASK_MANAGER: DurableObjectNamespace;
  /** When set, API requests need `Authorization: Bearer <token>` (a secret: `wrangler secret put EDDY_TOKEN`). */
  readonly EDDY_TOKEN?: string;
}

/** Options of {@link createEdgeWorker}. */
export interface EdgeWorkerOptions {
  /** The platform's base class: `import { DurableObject } from "cloudflare:workers"`. */
  readonly DurableObject: DurableObjectBase;
  /** Job modules by the name job references use (`{ module: "<name>", export: "<builder>" }`). */
  readonly modules?: Readonly<Record<string, Record<string, unknown>>>;
}

/** What the Worker's entry module exports. */
export interface EdgeWorker {
  fetch(request: Request, env: EdgeEnv): Promise<Response>;
  readonly EddyJobManager: DurableObjectBase;
  readonly EddyTaskManager: DurableObjectBase;
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

/**
 * Eddy's Worker and Durable Object classes.
 *
 * @example
 * import { DurableObject } from "cloudflare:workers";
 * import { createEdgeWorker } from "eddy/workerd";
 * import * as jobs from "./jobs.ts";
 * const edge = createEdgeWorker({ DurableObject, modules: { jobs } });
 * export default { fetch: edge.fetch };
 * export const { EddyJobManager, EddyTaskManager } = edge;
 */
export function createEdgeWorker(options: EdgeWorkerOptions): EdgeWorker {
  const modules = options.modules ?? {};
  const load: ModuleLoader = async (specifier) => {
    const module = modules[specifier];
    if (module === undefined) {
      const known = Object.keys(modules);
      throw new EddyError(`[eddy] the job module "${specifier}" is not in this bundle${known.length > 0 ? `: it has ${known.map((k) => `"${k}"`).join(", ")}` : ""} (workerd cannot import modules at run time: bundle it with eddy bundle)`, { code: "INVALID_JOB", domain: "user", retryable: false });
    }
    return module;
  };
  const Base = options.DurableObject;

  class EddyTaskManager extends Base {
    private readonly tm: DurableTaskManager;
    constructor(ctx: DurableObjectState, env: EdgeEnv) {
      super(ctx, env);
      const jobManagers = stubs<JobManagerRpc>(env.EDDY_JOB_MANAGER);
      const taskManagers = stubs<TaskManagerRpc>(env.EDDY_TASK_MANAGER);
      const context: TaskManagerContext = {
        jobManager: (jobId) => jobManagers(jobId),
        taskManager: (address: TaskManagerAddress) => taskManagers(taskManagerObjectName(address)),
        load,
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
      const context: JobManagerContext = {
        taskManager: (address) => taskManagers(taskManagerObjectName(address)),
        jobManager: (name) => jobManagers(name),
        jobModules: () => load,
        refusal: (error): SubmitOutcome => {
          const status = error instanceof EddyError && error.domain === "user" ? 400 : 500;
          return { ok: false, status, errors: [error instanceof Error ? error.message : String(error)] };
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
    fromTaskManager(...args: Parameters<DurableJobManager["fromTaskManager"]>): ReturnType<DurableJobManager["fromTaskManager"]> {
      return this.jm.fromTaskManager(...args);
    }
    readCheckpoint(location: string): Promise<Uint8Array> {
      return this.jm.readCheckpoint(location);
    }
    alarm(): Promise<void> {
      return this.jm.alarm();
    }
  }

  let app: ReturnType<typeof edgeApp> | undefined;
  return {
    fetch: async (request, env) => {
      app ??= edgeApp({ token: env.EDDY_TOKEN });
      return app.fetch(request, env);
    },
    EddyJobManager,
    EddyTaskManager,
  };
}


