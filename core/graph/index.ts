/** @module The three graphs of a job: StreamGraph (as built), JobGraph (chained), ExecutionGraph (parallel). */
export { StreamGraph, shipStrategyName, type StreamNode, type StreamEdge, type PartitionerSpec, type KeySelector, type ChainingStrategy } from "./stream-graph.ts";
export { JobGraph, createJobGraph, type JobVertex, type JobEdge, type JobGraphDefaults } from "./job-graph.ts";
export { ExecutionGraph, executionPlan, distributionPattern, type ExecutionVertex, type DistributionPattern } from "./execution-graph.ts";
export { stableHexId, randomHexId } from "./ids.ts";
