/** @module Eddy on Bun: the file system for checkpoints and file sinks, and serving the HTTP API. */
export { BunFileSystem } from "./fs.ts";
export { serve } from "./serve.ts";
export type { ServeOptions, RunningServer, FetchApp } from "../../server/serve.ts";
export { workerCluster } from "./worker-cluster.ts";
