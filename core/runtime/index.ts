/** @module The runtime: operators and their hosts, channels with credits, tasks and the local executor. */
export { OutputTag, type StreamOperator, type Output, type OperatorContext, type KeyedOperatorContext, type SnapshotContext, type RestoredCustomState, type OperatorStateStore } from "./operator.ts";
export { OperatorHost, type OperatorHostOptions } from "./operator-host.ts";
export { LocalExecutor, type ExecutorOptions, type ExecutorStatus } from "./executor.ts";
export { Channel } from "./channel.ts";
export { RecordWriter, type RecordTarget } from "./record-writer.ts";
export { ProcessingTimeScheduler } from "./processing-time-scheduler.ts";
export * from "./stream-element.ts";
