/**
 * `GET /taskmanagers` and `GET /taskmanagers/:taskmanagerid` in Flink's shapes (TaskManagersInfo,
 * TaskManagerDetailsInfo): the worker TaskManagers of the server's cluster, or, when jobs run in
 * the server's isolate, that isolate as the one TaskManager `local`. What Eddy does not measure is
 * reported as Flink reports it: 0 for a metric or memory size it has none of, -1 for a maximum or
 * port that is not defined (as the JVM reports an undefined heap maximum).
 */
import type { Cluster } from "../core/index.ts";
import { HttpError } from "./errors.ts";
import type { JobLimits } from "./job-limits.ts";
import { type JobEntry, type JobRegistry, isTerminal } from "./job-registry.ts";

/** The id of the server's own isolate as a TaskManager (jobs that run there, without a cluster). */
const LOCAL_TASK_MANAGER = "local";

/** The machine the TaskManagers run on, as Flink's HardwareDescription has it. */
export interface Hardware {
  readonly cpuCores: number;
  /** Bytes. */
  readonly physicalMemory: number;
}

/** Where the views come from. */
export interface TaskManagerSources {
  readonly cluster: Cluster | undefined;
  readonly registry: JobRegistry;
  readonly limits: JobLimits;
  readonly hardware: Hardware | undefined;
}

/** One TaskManager with what the REST API shows of it. */
interface TaskManagerView {
  readonly id: string;
  readonly path: string;
  readonly slotsNumber: number;
  readonly freeSlots: number;
  /** Ms since epoch. */
  readonly lastHeartbeat: number;
  readonly heapUsed: number;
  readonly heapCommitted: number;
  /** Slots taken, per job. */
  readonly allocated: readonly { readonly jobId: string; readonly slots: number }[];
  /** Subtasks running on it. */
  readonly assignedTasks: number;
}

/** A slot's share of a TaskManager (Flink's ResourceProfileInfo; memory in MB, none of it managed by Eddy). */
function resource(cpuCores: number): object {
  return { cpuCores, taskHeapMemory: 0, taskOffHeapMemory: 0, managedMemory: 0, networkMemory: 0, extendedResources: {} };
}

/** A TaskManager is one isolate, so one core; its slots share it. */
function slotCores(tm: TaskManagerView, slots: number): number {
  return tm.slotsNumber === 0 ? 0 : slots / tm.slotsNumber;
}

function taskManagerInfo(tm: TaskManagerView, hardware: Hardware | undefined): Record<string, unknown> {
  return {
    id: tm.id,
    path: tm.path,
    // Data between TaskManagers travels over MessagePorts, not a network port.
    dataPort: -1,
    jmxPort: -1,
    // Flink's name for the time of the last heartbeat, ms since epoch.
    timeSinceLastHeartbeat: tm.lastHeartbeat,
    slotsNumber: tm.slotsNumber,
    freeSlots: tm.freeSlots,
    assignedTasks: tm.assignedTasks,
    totalResource: resource(1),
    freeResource: resource(slotCores(tm, tm.freeSlots)),
    hardware: { cpuCores: hardware?.cpuCores ?? 0, physicalMemory: hardware?.physicalMemory ?? 0, freeMemory: -1, managedMemory: 0 },
    memoryConfiguration: {
      frameworkHeap: 0,
      taskHeap: 0,
      frameworkOffHeap: 0,
      taskOffHeap: 0,
      networkMemory: 0,
      managedMemory: 0,
      jvmMetaspace: 0,
      jvmOverhead: 0,
      totalFlinkMemory: 0,
      totalProcessMemory: 0,
    },
    blocked: false,
  };
}

/** `GET /taskmanagers`. */
export function taskManagersInfo(sources: TaskManagerSources): { taskmanagers: object[] } {
  return { taskmanagers: views(sources).map((tm) => taskManagerInfo(tm, sources.hardware)) };
}

/** `GET /taskmanagers/:taskmanagerid`; 404 naming the id when there is none. */
export function taskManagerDetails(sources: TaskManagerSources, id: string): object {
  const all = views(sources);
  const tm = all.find((x) => x.id === id);
  if (tm === undefined) throw new HttpError(404, `[eddy] TaskManager "${id}" not found: this server has ${all.map((x) => x.id).join(", ")}`);
  return {
    ...taskManagerInfo(tm, sources.hardware),
    metrics: {
      heapUsed: tm.heapUsed,
      heapCommitted: tm.heapCommitted,
      heapMax: -1,
      nonHeapUsed: 0,
      nonHeapCommitted: 0,
      nonHeapMax: -1,
      directCount: 0,
      directUsed: 0,
      directMax: -1,
      mappedCount: 0,
      mappedUsed: 0,
      mappedMax: -1,
      memorySegmentsAvailable: 0,
      memorySegmentsTotal: 0,
      nettyShuffleMemorySegmentsAvailable: 0,
      nettyShuffleMemorySegmentsUsed: 0,
      nettyShuffleMemorySegmentsTotal: 0,
      nettyShuffleMemoryAvailable: 0,
      nettyShuffleMemoryUsed: 0,
      nettyShuffleMemoryTotal: 0,
      garbageCollectors: [],
    },
    allocatedSlots: tm.allocated.flatMap((a) => Array.from({ length: a.slots }, () => ({ jobId: a.jobId, resource: resource(slotCores(tm, 1)) }))),
  };
}

/** The number of TaskManagers (`/overview`). */
export function taskManagerCount(cluster: Cluster | undefined): number {
  return cluster === undefined ? 1 : cluster.taskManagers().length;
}

function views(sources: TaskManagerSources): TaskManagerView[] {
  const running = sources.registry.all().filter((e) => e.live !== undefined && !isTerminal(e.client.getJobStatus()));
  const { cluster } = sources;
  if (cluster === undefined) {
    const slotsNumber = sources.limits.maxSlots;
    return [
      {
        id: LOCAL_TASK_MANAGER,
        path: LOCAL_TASK_MANAGER,
        slotsNumber,
        freeSlots: Math.max(0, slotsNumber - sources.limits.slotsInUse()),
        lastHeartbeat: Date.now(),
        heapUsed: 0,
        heapCommitted: 0,
        allocated: running.map((e) => ({ jobId: e.id, slots: e.client.executionGraph.slots })),
        assignedTasks: running.reduce((n, e) => n + subtasksOn(e, LOCAL_TASK_MANAGER), 0),
      },
    ];
  }
  const byId = new Map(running.map((e) => [e.id, e]));
  return cluster.taskManagers().map((tm) => {
    const allocated = tm.executions.map((execution) => {
      const jobId = execution.slice(0, execution.lastIndexOf("/"));
      const entry = byId.get(jobId);
      return { jobId, slots: entry === undefined ? 1 : slotsOn(entry, tm.id) };
    });
    return {
      id: tm.id,
      path: `worker:${tm.id}`,
      slotsNumber: tm.slotsNumber,
      freeSlots: tm.freeSlots,
      lastHeartbeat: tm.lastHeartbeat,
      heapUsed: tm.heapUsed,
      heapCommitted: tm.heapTotal,
      allocated,
      assignedTasks: running.reduce((n, e) => n + subtasksOn(e, tm.id), 0),
    };
  });
}

/** Subtasks of a running job on TaskManager `tm`. */
function subtasksOn(entry: JobEntry, tm: string): number {
  let n = 0;
  for (const v of entry.client.executionGraph.jobGraph.vertices) for (let i = 0; i < v.parallelism; i++) if (entry.live!.execution.taskManagerOf(v.id, i) === tm) n++;
  return n;
}

/** Slots of a running job on `tm`: slot i holds subtask i of every vertex (slot sharing), so the widest vertex tells. */
function slotsOn(entry: JobEntry, tm: string): number {
  const widest = entry.client.executionGraph.jobGraph.vertices.reduce((a, b) => (b.parallelism > a.parallelism ? b : a));
  let n = 0;
  for (let i = 0; i < widest.parallelism; i++) if (entry.live!.execution.taskManagerOf(widest.id, i) === tm) n++;
  return n;
}
