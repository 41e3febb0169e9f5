/** @module TaskManagers in other isolates: the cluster contract, the JobManager's side of an attempt, the TaskManager's side, and a cluster of workers. */
export type { Cluster, ClusterListener, TaskManagerInfo } from "./cluster.ts";
export { ClusterExecution, type ClusterJob, deserializeError } from "./cluster-execution.ts";
export { TaskManagerRuntime, type TaskManagerHost } from "./task-manager-runtime.ts";
export { WorkerCluster, type WorkerClusterOptions, type SpawnWorker, type WorkerHandle, type WorkerEvents } from "./worker-cluster.ts";
export { serveTaskManager, type WorkerPort, type WorkerSide } from "./task-manager-worker.ts";
export { WatchCell, readOverrun, WATCH_CELL_BYTES, type Overrun } from "./budget-watch.ts";
export { jobFingerprint } from "./fingerprint.ts";
