/** @module Metrics: busy / backpressured / idle time per subtask, backpressure levels, counters and watermarks. */
export { TaskMetrics, backpressureLevel, type BackpressureLevel } from "./task-metrics.ts";
export { vertexCounters, type JobMetrics, type VertexMetrics, type SubtaskMetrics, type RateControllerMetrics } from "./job-metrics.ts";
