/**
 * TaskManagers as worker threads (node:worker_threads). Each worker runs
 * `task-manager-worker.ts`; the cluster logic (slots, routing, heartbeats, CPU budgets) is
 * core's WorkerCluster. When Eddy runs from TypeScript sources (tsx), workers register tsx too.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type WorkerClusterOptions, WorkerCluster } from "../../core/cluster/worker-cluster.ts";

/**
 * Starts `taskManagers` worker-thread TaskManagers with `slotsPerTaskManager` slots each.
 *
 * @example
 * const cluster = await workerCluster({ taskManagers: 2, slotsPerTaskManager: 2 });
 * const env = StreamExecutionEnvironment.create({ parallelism: 4, cluster });
 */
export function workerCluster(options: Omit<WorkerClusterOptions, "spawn"> = {}): Promise<WorkerCluster> {
  const entry = new URL(`./task-manager-worker${extensionOf(import.meta.url)}`, import.meta.url).href;
  const code = bootstrap(entry);
  return WorkerCluster.start({
    ...options,
    spawn: (name, events) => {
      const worker = new Worker(code, { eval: true, name });
      worker.on("message", (data) => events.message(data));
      worker.on("error", (error) => events.error(error));
      worker.on("exit", (code) => events.exit(code));
      return {
        postMessage: (message, transfer) => worker.postMessage(message, transfer as never),
        terminate: () => void worker.terminate(),
        keepAlive: (on) => (on ? worker.ref() : worker.unref()),
      };
    },
  });
}

function extensionOf(url: string): string {
  return url.slice(url.lastIndexOf("."));
}

/** Worker code: tsx first when the sources or the jobs may be TypeScript, then the entry module. */
function bootstrap(entry: string): string {
  const wantsTsx = entry.endsWith(".ts") || process.execArgv.some((a) => a.includes("tsx")) || process.env.NODE_OPTIONS?.includes("tsx") === true;
  if (!wantsTsx) return `import(${JSON.stringify(entry)})`;
  let api: string;
  try {
    api = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href;
  } catch {
    return `import(${JSON.stringify(entry)})`;
  }
  return `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`;
}
