/**
 * TaskManagers as Web Workers (Deno; Bun uses the same). Each worker runs
 * `task-manager-worker.ts`; the cluster logic (slots, routing, heartbeats, CPU budgets) is core's
 * WorkerCluster.
 */
import { type WorkerClusterOptions, WorkerCluster } from "../../core/cluster/worker-cluster.ts";

interface WebWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  terminate(): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "error", listener: (event: { message?: string; error?: unknown; preventDefault(): void }) => void): void;
  addEventListener(type: "close", listener: (event: { code?: number }) => void): void;
}
declare const Worker: new (url: string, options: { type: "module"; name?: string }) => WebWorker;

/**
 * Starts `taskManagers` Web Worker TaskManagers with `slotsPerTaskManager` slots each.
 *
 * @example
 * const cluster = await workerCluster({ taskManagers: 2, slotsPerTaskManager: 2 });
 * const env = StreamExecutionEnvironment.create({ parallelism: 4, cluster });
 */
export function workerCluster(options: Omit<WorkerClusterOptions, "spawn"> = {}): Promise<WorkerCluster> {
  const entry = new URL(`./task-manager-worker${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`, import.meta.url).href;
  return WorkerCluster.start({
    ...options,
    spawn: (name, events) => {
      const worker = new Worker(entry, { type: "module", name });
      worker.addEventListener("message", (e) => events.message(e.data));
      worker.addEventListener("error", (e) => {
        // Handled here: the worker is lost, the process goes on.
        e.preventDefault();
        events.error(e.error ?? e.message);
      });
      worker.addEventListener("close", (e) => events.exit(e.code));
      return { postMessage: (message, transfer) => worker.postMessage(message, transfer), terminate: () => worker.terminate() };
    },
  });
}
