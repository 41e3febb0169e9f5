/**
 * TaskManagers in other isolates as the JobManager uses them (Flink's ResourceManager and
 * TaskExecutor gateways): slots to allocate, messages to send and receive per job attempt, and
 * the loss of a TaskManager. Runtimes implement it over their isolates (WorkerCluster: worker
 * threads or Web Workers; Durable Objects on the edge).
 */
import type { EddyError } from "../errors.ts";
import type { JobManagerMessage, TaskManagerMessage } from "../runtime/task-manager.ts";

/** What a job attempt hears from the cluster. */
export interface ClusterListener {
  message(taskManager: string, message: JobManagerMessage): void;
  /** A TaskManager is gone (exited, terminated, missed heartbeats, or stopped for running past a CPU budget). */
  lost(taskManager: string, error: EddyError): void;
}

/** One TaskManager as the REST API shows it. */
export interface TaskManagerInfo {
  readonly id: string;
  readonly slotsNumber: number;
  readonly freeSlots: number;
  /** When it registered, ms since epoch. */
  readonly registeredAt: number;
  /** When its last heartbeat arrived, ms since epoch. */
  readonly lastHeartbeat: number;
  /** Heap of its isolate, bytes (as its last heartbeat reported). */
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Job attempts with subtasks on it. */
  readonly executions: readonly string[];
}

/** TaskManagers with slots, reached by messages. */
export interface Cluster {
  /**
   * Takes `slots` slots for a job attempt, spread evenly over the TaskManagers (subtask i of every
   * vertex shares slot i, Flink's slot sharing); returns the TaskManager of each slot. Throws
   * NOT_ENOUGH_SLOTS when the free slots do not suffice.
   */
  allocate(execution: string, slots: number): string[];
  /** Gives a job attempt's slots back. */
  release(execution: string): void;
  send(taskManager: string, message: TaskManagerMessage): void;
  /** Hears a job attempt's messages and every TaskManager loss; returns the way to stop. */
  subscribe(execution: string, listener: ClusterListener): () => void;
  taskManagers(): TaskManagerInfo[];
  /** Total slots (free or not). */
  readonly slots: number;
  /** Stops every TaskManager. */
  close(): Promise<void>;
}
