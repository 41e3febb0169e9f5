/** TaskManagers as Web Workers on Bun: the same workers as on Deno. */
export { workerCluster } from "../deno/worker-cluster.ts";
