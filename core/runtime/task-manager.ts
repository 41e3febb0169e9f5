/**
 * The TaskManager contract (Flink's TaskExecutorGateway and JobMasterGateway, as messages): a
 * TaskManager is a place with slots that runs subtasks and is reached only by asynchronous,
 * structured-cloneable messages. Core owns the messages and the data-plane wire format
 * (remote-channel.ts); runtimes provide the transport: worker threads and Web Workers pass them
 * over MessagePorts, Durable Objects over RPC. Nothing here assumes shared memory.
 */
import type { CompletedCheckpoint, TaskSnapshot } from "../checkpoint/types.ts";
import type { SubtaskMetrics } from "../metrics/job-metrics.ts";
import type { BarrierOptions } from "./stream-element.ts";

/**
 * A job that another isolate can build: a module and the name of its export, a function that
 * builds the job on an environment, `(env, params) => DataStream | void` (or a promise of one).
 */
export interface JobReference<P = unknown> {
  /** URL of the module, usually its `import.meta.url`. */
  readonly module: string;
  readonly export: string;
  /** Structured-cloneable arguments for the builder. */
  readonly params?: P;
}

/**
 * Loads the module a {@link JobReference} names (default: `import(specifier)`). Runtimes that
 * cannot import at run time (workerd: modules are bundled at deploy time) look it up in a table.
 */
export type ModuleLoader = (specifier: string) => Promise<Record<string, unknown>>;

/** The environment settings a TaskManager rebuilds the job with (the JobManager's, as plain data). */
export interface EnvironmentSettings {
  readonly parallelism: number;
  readonly maxParallelism: number | undefined;
  readonly autoWatermarkInterval: number;
  readonly batchSize: number;
  readonly channelCapacity: number;
  readonly chaining: boolean;
  readonly bufferTimeoutMs: number;
}

/** A TaskManager's share of one job attempt. */
export interface TaskDeployment {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly job: JobReference;
  readonly environment: EnvironmentSettings;
  /** Whether the stream the builder returned is collected (`executeAndCollect`): its records go to the JobManager. */
  readonly collect: boolean;
  /** The job graph's shape as the JobManager built it; a TaskManager that builds another refuses to run. */
  readonly fingerprint: string;
  /** Subtask keys (`<vertexId>#<subtask>`) this TaskManager runs. */
  readonly subtasks: readonly string[];
  /** Every subtask's TaskManager id, for the channels that cross. */
  readonly placement: Readonly<Record<string, string>>;
  readonly restore?: { readonly checkpoint: CompletedCheckpoint; readonly allowNonRestoredState: boolean };
  readonly checkpointIntervalMs: number | undefined;
  readonly metricsIntervalMs: number;
  /** CPU budget of one call into user code, ms (0: none). */
  readonly userCodeBudgetMs: number;
}

/** An error as it crosses isolates. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly domain?: "user" | "external" | "internal";
  readonly operator?: string;
  readonly retryable?: boolean;
}

/** JobManager to TaskManager, about one job attempt (`execution`: see executionKey). */
export type TaskManagerMessage =
  | { readonly type: "deploy"; readonly execution: string; readonly deployment: TaskDeployment }
  | { readonly type: "trigger-checkpoint"; readonly execution: string; readonly checkpointId: number; readonly timestamp: number; readonly options: BarrierOptions; readonly stop: { readonly drain: boolean } | undefined }
  | { readonly type: "checkpoint-complete"; readonly execution: string; readonly checkpointId: number }
  | { readonly type: "checkpoint-aborted"; readonly execution: string; readonly checkpointId: number }
  | { readonly type: "switch-to-unaligned"; readonly execution: string; readonly checkpointId: number }
  | { readonly type: "finish-sources"; readonly execution: string }
  /** A rate controller's new rate for a source vertex, records/s in total (null: unlimited). */
  | { readonly type: "set-rate"; readonly execution: string; readonly vertexId: string; readonly rate: number | null }
  | { readonly type: "add-splits"; readonly execution: string; readonly subtask: string; readonly splits: readonly unknown[] }
  | { readonly type: "no-more-splits"; readonly execution: string; readonly subtask: string }
  /** Every subtask of the attempt finished and its final checkpoint is complete: close operators and end. */
  | { readonly type: "release"; readonly execution: string }
  | { readonly type: "cancel"; readonly execution: string };

/** TaskManager to JobManager, about one job attempt. */
export type JobManagerMessage =
  | { readonly type: "acknowledge"; readonly execution: string; readonly checkpointId: number; readonly snapshot: TaskSnapshot }
  | { readonly type: "reader-started"; readonly execution: string; readonly subtask: string }
  | { readonly type: "split-request"; readonly execution: string; readonly subtask: string }
  /** Every subtask this TaskManager runs for the attempt has finished and handed its output on. */
  | { readonly type: "finished"; readonly execution: string }
  /** The attempt's part here failed; the TaskManager closes it and then says `closed`. */
  | { readonly type: "failed"; readonly execution: string; readonly error: SerializedError }
  /** Operators closed (after release, cancel or failure); `error` when closing failed. */
  | { readonly type: "closed"; readonly execution: string; readonly error?: SerializedError }
  | { readonly type: "metrics"; readonly execution: string; readonly subtasks: Readonly<Record<string, SubtaskMetrics>>; readonly splits: Readonly<Record<string, readonly { subtask: number; splitId: string; state?: unknown }[]>> }
  /** Records of a result sink (collect), by the sink's stream node id. */
  | { readonly type: "results"; readonly execution: string; readonly node: number; readonly values: readonly unknown[] };

/** Turns an error into plain data. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const e = error as Error & { code?: string; domain?: SerializedError["domain"]; operator?: string; retryable?: boolean };
    return {
      name: e.name,
      message: e.message,
      ...(e.stack !== undefined ? { stack: e.stack } : {}),
      ...(typeof e.code === "string" ? { code: e.code } : {}),
      ...(e.domain !== undefined ? { domain: e.domain } : {}),
      ...(typeof e.operator === "string" ? { operator: e.operator } : {}),
      ...(typeof e.retryable === "boolean" ? { retryable: e.retryable } : {}),
    };
  }
  return { name: "Error", message: String(error) };
}
