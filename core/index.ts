/** @module Eddy's core: the DataStream API and the engine behind it, on Web-standard globals only. */
export * from "./api/index.ts";
export { EddyError, type ErrorDomain, type EddyErrorOptions } from "./errors.ts";
export { OutputTag, type StreamOperator, type Output, type OperatorContext, type RestoredCustomState, type SnapshotContext } from "./runtime/operator.ts";
export { LocalExecutor } from "./runtime/executor.ts";
export type { JobExecution } from "./runtime/job-execution.ts";
export type { JobReference, TaskDeployment, TaskManagerMessage, JobManagerMessage, EnvironmentSettings, ModuleLoader } from "./runtime/task-manager.ts";
export type { UserCodeWatch } from "./runtime/user-code-watch.ts";
export type { Cluster, TaskManagerInfo } from "./cluster/cluster.ts";
export { WorkerCluster, type WorkerClusterOptions } from "./cluster/worker-cluster.ts";
export * from "./connectors/index.ts";
export * from "./window/index.ts";
export * from "./metrics/index.ts";
export * from "./checkpoint/index.ts";
export { RestartStrategies, type RestartStrategy, type ExponentialDelayOptions } from "./runtime/restart-strategy.ts";
export { WatermarkStrategy } from "./time/watermark-strategy.ts";
export { AdmissionGate, type Admission, type AdmissionGateOptions } from "./runtime/rate/admission-gate.ts";
export { PIDRateEstimator, type PidOptions } from "./runtime/rate/pid-rate-estimator.ts";
export type { RateControllerOptions, RateControllerState } from "./runtime/rate/rate-controller.ts";
export { SystemClock, ManualClock } from "./time/clocks.ts";
export type { Clock, WatermarkGenerator, WatermarkOutput, TimestampAssigner, Timer } from "./time/types.ts";
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  StateTtlConfig,
  type ValueState,
  type ListState,
  type MapState,
  type ReducingState,
  type AggregatingState,
  type AggregateFunction,
  type Key,
} from "./state/types.ts";
