/** @module Eddy on Cloudflare's workerd: one isolate, no threads, no run-time wasm compilation. */
export { createConformanceWorker, type WorkerModule } from "./conformance-worker.ts";
export { createServerWorker, type ServerWorker } from "./server-worker.ts";
