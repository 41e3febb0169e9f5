/** @module Eddy on Cloudflare's workerd: one isolate, no threads, no run-time wasm compilation. */
export { createConformanceWorker, type WorkerModule } from "./conformance-worker.ts";
export { createServerWorker, type ServerWorker } from "./server-worker.ts";
export { createEdgeWorker, type EdgeWorker, type EdgeWorkerOptions, type EdgeEnv } from "./edge-worker.ts";
export { bundledComponent } from "./bundled-components.ts";
export { DurableObjectCheckpointStorage, parseDurableLocation, type DurableLocation } from "./durable-checkpoint-storage.ts";
export type { DurableObjectStorage, DurableObjectState, DurableObjectNamespace, DurableObjectBase } from "./durable-object.ts";
export { IngestSource, type IngestSourceOptions } from "./ingest-source.ts";
export { WebhookSink, type WebhookSinkOptions, type WebhookBody } from "./webhook-sink.ts";
