/** The entry module of a worker-thread TaskManager (started by workerCluster). */
import { type MessagePort, parentPort, receiveMessageOnPort } from "node:worker_threads";
import { buildDeployment } from "../../core/api/deployment.ts";
import { type WorkerPort, serveTaskManager } from "../../core/cluster/task-manager-worker.ts";

if (parentPort === null) throw new Error("[eddy] task-manager-worker.ts runs only as a worker thread (see workerCluster)");
serveTaskManager({
  parent: parentPort as unknown as WorkerPort,
  build: buildDeployment,
  receive: (port) => receiveMessageOnPort(port as unknown as MessagePort),
  memory: () => {
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, heapTotal: m.heapTotal };
  },
});
