/**
 * What Eddy's Durable Objects call on each other (their RPC methods), as types: a job's
 * JobManager object drives its TaskManager objects with core's TaskManager messages, they answer
 * with JobManager messages, and they send each other data bundles. Execution keys carry the
 * JobManager's incarnation (`<jobId>/<attempt>@<incarnation>`): after the JobManager object
 * restarts, anything an older incarnation started is recognised and dropped.
 */
import type { DataBundle } from "../../core/runtime/remote-channel.ts";
import type { JobManagerMessage, TaskManagerMessage } from "../../core/runtime/task-manager.ts";

/** Names a TaskManager object: its job and its name within the job (`tm-0`, `tm-1`, ...). */
export interface TaskManagerAddress {
  readonly jobId: string;
  readonly name: string;
}

/** What a TaskManager tells its JobManager in answer to a heartbeat. */
export interface HeartbeatReply {
  /** Execution keys it runs. */
  readonly executions: readonly string[];
  readonly registeredAt: number;
}

/** The RPC methods of a TaskManager object. */
export interface TaskManagerRpc {
  receive(self: TaskManagerAddress, message: TaskManagerMessage): Promise<void>;
  receiveData(self: TaskManagerAddress, bundles: readonly DataBundle[]): Promise<void>;
  /** `live`: the executions the JobManager runs here; the TaskManager cancels others of the job. */
  heartbeat(self: TaskManagerAddress, live: readonly string[]): Promise<HeartbeatReply>;
}

/** The RPC methods of a JobManager object that its TaskManagers call. */
export interface JobManagerRpc {
  fromTaskManager(name: string, messages: readonly JobManagerMessage[]): Promise<void>;
}

/** The names under which the Worker binds Eddy's Durable Object classes (wrangler and workerd configs). */
export const BINDINGS = {
  jobManager: "EDDY_JOB_MANAGER",
  taskManager: "EDDY_TASK_MANAGER",
  ingest: "EDDY_INGEST",
  directory: "EDDY_DIRECTORY",
} as const;

/** The class names of Eddy's Durable Objects, as the Worker's entry exports them. */
export const CLASSES = {
  jobManager: "EddyJobManager",
  taskManager: "EddyTaskManager",
  ingest: "EddyIngest",
  directory: "EddyDirectory",
} as const;

/** Tags an execution key with a JobManager incarnation. */
export function tagExecution(execution: string, incarnation: number): string {
  return `${execution}@${incarnation}`;
}

/** The execution key and incarnation of a tagged key (incarnation -1 when untagged). */
export function untagExecution(tagged: string): { execution: string; incarnation: number } {
  const at = tagged.lastIndexOf("@");
  if (at < 0) return { execution: tagged, incarnation: -1 };
  return { execution: tagged.slice(0, at), incarnation: Number(tagged.slice(at + 1)) };
}

/** The TaskManager object's name in its namespace: one per job and index. */
export function taskManagerObjectName(address: TaskManagerAddress): string {
  return `${address.jobId}/${address.name}`;
}
