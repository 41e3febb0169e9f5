/**
 * One attempt of a job as the JobManager drives it, wherever its subtasks run: in this isolate
 * (LocalExecutor) or on TaskManagers reached by messages (ClusterExecution). The checkpoint
 * coordinator and the job master see only this.
 */
import type { SourceSplit, SplitEnumerator } from "../connectors/source.ts";
import type { TaskSnapshot } from "../checkpoint/types.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobMetrics } from "../metrics/job-metrics.ts";
import type { ProcessingTimeScheduler } from "./processing-time-scheduler.ts";
import type { BarrierOptions } from "./stream-element.ts";
import type { ExecutorOptions, ExecutorStatus, RestoreSettings } from "./task-executor.ts";

/** What the JobManager does with an attempt. */
export interface JobExecution {
  readonly graph: ExecutionGraph;
  readonly status: ExecutorStatus;
  readonly failureCause: unknown;
  /** Timers of the JobManager's side (checkpoint triggers and timeouts). */
  readonly scheduler: ProcessingTimeScheduler;
  /** Set by the checkpoint coordinator: receives every subtask's acknowledgement. */
  onAcknowledge: ((checkpointId: number, snapshot: TaskSnapshot) => void) | undefined;
  /** Keys of every subtask that must acknowledge a checkpoint: `<vertexId>#<subtask>`. */
  taskKeys(): string[];
  /** Starts a checkpoint; `onEnumeratorState` gets the split enumerators' state of the same moment. */
  triggerCheckpoint(checkpointId: number, timestamp: number, options: BarrierOptions, stop: { drain: boolean } | undefined, onEnumeratorState: (state: Record<string, unknown>) => void): void;
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted(checkpointId: number): void;
  switchToUnaligned(checkpointId: number): void;
  /** Ends the sources (stop-with-savepoint with drain). */
  finishSources(): void;
  /** Runs an action in the attempt's thread of control; one that throws fails the attempt. */
  post(action: () => void): void;
  /** Runs the attempt to its end; rejects with the failure cause. */
  run(): Promise<void>;
  cancel(): void;
  metrics(): JobMetrics;
  /** The split enumerator of a source vertex (read-only use: monitoring). */
  sourceEnumerator(vertexId: string): SplitEnumerator<SourceSplit, unknown> | undefined;
  /** Holds a source vertex to `rate` records/s in total, shared by its subtasks (undefined: unlimited). */
  setSourceRate(vertexId: string, rate: number | undefined): void;
  /** The splits every reader of a source vertex holds now, with their positions (monitoring). */
  sourceSplits(vertexId: string): { subtask: number; splitId: string; state?: unknown }[];
  /** Where a subtask runs: the id of its TaskManager (`local` in this isolate). */
  taskManagerOf(vertexId: string, subtaskIndex: number): string;
}

/** Creates the execution of one attempt (the local executor unless the job runs on a cluster). */
export type ExecutionFactory = (graph: ExecutionGraph, options: ExecutorOptions & { readonly restore?: RestoreSettings }) => JobExecution;
