/** The entry module of a Web Worker TaskManager on Deno and Bun (started by workerCluster). */
import { buildDeployment } from "../../core/api/deployment.ts";
import { type WorkerPort, serveTaskManager } from "../../core/cluster/task-manager-worker.ts";

interface Memory {
  heapUsed: number;
  heapTotal: number;
}
const g = globalThis as unknown as WorkerPort & { Deno?: { memoryUsage(): Memory }; process?: { memoryUsage(): Memory } };

serveTaskManager({
  parent: {
    postMessage: (message, transfer) => g.postMessage(message, transfer),
    addEventListener: (type, listener) => g.addEventListener(type, listener),
  },
  build: buildDeployment,
  memory: () => {
    const m = g.Deno?.memoryUsage() ?? g.process?.memoryUsage() ?? { heapUsed: 0, heapTotal: 0 };
    return { heapUsed: m.heapUsed, heapTotal: m.heapTotal };
  },
});
