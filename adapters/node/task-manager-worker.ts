/** The entry module of a worker-thread TaskManager (started by workerCluster). */
import { parentPort } from "node:worker_threads";
import { buildDeployment } from "../../core/api/deployment.ts";
import { type WorkerPort, serveTaskManager } from "../../core/cluster/task-manager-worker.ts";

if (parentPort === null) throw new Error("[eddy] task-manager-worker.ts runs only as a worker thread (see workerCluster)");
serveTaskManager({
  parent: parentPort as unknown as WorkerPort,
  build: buildDeployment,
  memory: () => {
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, heapTotal: m.heapTotal };
  },
});
