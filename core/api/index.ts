/** @module The DataStream API: environment, streams, user functions and job clients. */
export { StreamExecutionEnvironment, type EnvironmentOptions, type ExecutionConfig } from "./environment.ts";
export { DataStream, KeyedStream, DataStreamSink } from "./data-stream.ts";
export { WindowedStream } from "./windowed-stream.ts";
export { ConnectedStreams } from "./connected-streams.ts";
export { JoinedStreams, CoGroupedStreams, WindowedJoin, IntervalJoin } from "./joins.ts";
export { JobClient, type JobStatus, type JobExecutionResult, type JobConfiguration } from "./job-client.ts";
export * from "./functions.ts";
