/** @module Eddy's HTTP API (`eddy/server`): a Hono app to submit, watch and steer jobs, served by each runtime adapter. */
export { createApp, EDDY_VERSION, type AppOptions, type EddyApp } from "./app.ts";
export { JobRegistry, isTerminal, type JobEntry, type JobExtras, type Trigger } from "./job-registry.ts";
export type { JobView, VertexView, EndedJobData } from "./ended-job.ts";
export { JobStore, type JobRecord, type UnreadableRecord } from "./job-store.ts";
export type { RecoveredJobs } from "./job-recovery.ts";
export { JobSpec, SourceSpec, OperatorSpec, SinkSpec, CheckpointingSpec, RestartStrategySpec } from "./job-spec.ts";
export { buildJob, buildGraph, defaultSpecConnectors, type BuildContext, type BuiltJob, type GraphContext, type SpecConnectors } from "./job-builder.ts";
export { ResultBuffer } from "./result-buffer.ts";
export { MemoryArtifactStore, FileSystemArtifactStore, sha256Hex, isArtifactId, type ArtifactStore, type ArtifactInfo } from "./artifact-store.ts";
export { defaultComponentRuntime, unavailableComponentRuntime, type ComponentRuntime } from "./components.ts";
export { defaultKafkaRuntime, unavailableKafkaRuntime, type KafkaRuntime } from "./kafka.ts";
export { sourcePartitions, type PartitionsInfo, type SplitAssignment, type DescribesDiscovery } from "./partitions.ts";
export { HttpError, type FieldError } from "./errors.ts";
export { openApiDocument } from "./openapi.ts";
export type { Hardware } from "./task-managers.ts";
export { prometheusText } from "./prometheus.ts";
export { serverUrl, DEFAULT_HOSTNAME, type FetchApp, type ServeOptions, type RunningServer, type Serve } from "./serve.ts";
