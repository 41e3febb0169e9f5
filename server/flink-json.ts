/**
 * Flink REST API v1 response shapes built from a JobClient: job details, overview, plan,
 * exceptions, checkpoints, backpressure, watermarks and job metrics.
 */
import { vertexCounters, type JobStatus, type VertexMetrics } from "../core/index.ts";
import type { VertexView } from "./ended-job.ts";
import type { JobEntry, Trigger } from "./job-registry.ts";

export const JOB_STATES: readonly JobStatus[] = ["CREATED", "RUNNING", "FAILING", "RESTARTING", "CANCELLING", "CANCELED", "FINISHED", "FAILED"];
/** Flink's execution states (per task), used for status counts. */
const TASK_STATES = ["CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING"] as const;
type TaskState = (typeof TASK_STATES)[number];

/** The tasks of a job are all in the state its status implies (one isolate: they move together). */
function taskState(status: JobStatus): TaskState {
  switch (status) {
    case "CREATED":
      return "CREATED";
    case "RUNNING":
    case "FAILING":
      return "RUNNING";
    case "RESTARTING":
      return "DEPLOYING";
    case "CANCELLING":
      return "CANCELING";
    case "CANCELED":
      return "CANCELED";
    case "FINISHED":
      return "FINISHED";
    case "FAILED":
      return "FAILED";
  }
}

function counts(state: TaskState, n: number): Record<TaskState, number> {
  const out = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  out[state] = n;
  return out;
}

function times(entry: JobEntry): { start: number; end: number; duration: number } {
  const t = entry.client.timestamps();
  const start = t.start ?? -1;
  const end = t.end ?? -1;
  return { start, end, duration: start < 0 ? -1 : (end < 0 ? Date.now() : end) - start };
}

/** Flink prints a missing watermark as Long.MIN_VALUE, the final one as Long.MAX_VALUE. */
export function watermarkString(w: number): string {
  if (w === Number.NEGATIVE_INFINITY || Number.isNaN(w)) return "-9223372036854775808";
  if (w === Number.POSITIVE_INFINITY) return "9223372036854775807";
  return String(Math.floor(w));
}

function totalSubtasks(entry: JobEntry): number {
  return entry.client.executionGraph.jobGraph.vertices.reduce((n, v) => n + v.parallelism, 0);
}

/** `/jobs/overview` entry. */
export function jobOverview(entry: JobEntry): object {
  const status = entry.client.getJobStatus();
  const { start, end, duration } = times(entry);
  const total = totalSubtasks(entry);
  const c = counts(taskState(status), total);
  const stamps = entry.client.timestamps().status;
  return {
    jid: entry.id,
    name: entry.name,
    state: status,
    "start-time": start,
    "end-time": end,
    duration,
    "last-modification": Math.max(start, ...Object.values(stamps).map((v) => v ?? 0)),
    tasks: {
      total,
      created: c.CREATED,
      scheduled: c.SCHEDULED,
      deploying: c.DEPLOYING,
      running: c.RUNNING,
      finished: c.FINISHED,
      canceling: c.CANCELING,
      canceled: c.CANCELED,
      failed: c.FAILED,
      reconciling: 0,
      initializing: 0,
    },
  };
}

function vertexMetrics(entry: JobEntry): Map<string, VertexMetrics> {
  return new Map(entry.client.metrics().vertices.map((v) => [v.id, v]));
}

/** `/jobs/:jobid`: state, timestamps, vertices with parallelism and status counts. */
export function jobDetails(entry: JobEntry): object {
  const status = entry.client.getJobStatus();
  const { start, end, duration } = times(entry);
  const state = taskState(status);
  const metrics = vertexMetrics(entry);
  const graph = entry.client.executionGraph.jobGraph;
  const stamps = entry.client.timestamps().status;
  const vertices = graph.vertices.map((v) => {
    const m = metrics.get(v.id);
    return {
      id: v.id,
      name: v.name,
      maxParallelism: v.maxParallelism,
      parallelism: v.parallelism,
      status: state,
      "start-time": start,
      "end-time": end,
      duration,
      tasks: counts(state, v.parallelism),
      metrics: ioMetrics(m?.subtasks ?? []),
      // Eddy's addition: where each subtask runs (Flink shows it per vertex, /vertices/:vertexid).
      subtasks: Array.from({ length: v.parallelism }, (_, i) => ({ subtask: i, "taskmanager-id": subtaskLocation(entry, v.id, i) })),
    };
  });
  return {
    jid: entry.id,
    name: entry.name,
    isStoppable: false,
    state: status,
    "job-type": "STREAMING",
    "start-time": start,
    "end-time": end,
    duration,
    maxParallelism: Math.max(-1, ...graph.vertices.map((v) => v.maxParallelism)),
    now: Date.now(),
    timestamps: Object.fromEntries(JOB_STATES.map((s) => [s, stamps[s] ?? 0])),
    vertices,
    "status-counts": counts(state, graph.vertices.length),
    plan: jobPlan(entry).plan,
  };
}

/**
 * Flink's IOMetricsInfo of a vertex or subtask (`subtasks`: its subtasks' figures, summed). Eddy
 * counts records, not bytes: the byte counts are 0 with their `-complete` flags false, Flink's way
 * of saying a figure was not reported. The accumulated times are the engine's cumulative busy,
 * backpressured and idle (nothing to take) milliseconds.
 */
function ioMetrics(subtasks: readonly VertexMetrics["subtasks"][number][]): object {
  const sum = (pick: (s: VertexMetrics["subtasks"][number]) => number | undefined): number => Math.round(subtasks.reduce((a, s) => a + (pick(s) ?? 0), 0));
  return {
    "read-bytes": 0,
    "read-bytes-complete": false,
    "write-bytes": 0,
    "write-bytes-complete": false,
    "read-records": sum((s) => s.recordsIn),
    "read-records-complete": true,
    "write-records": sum((s) => s.recordsOut),
    "write-records-complete": true,
    "accumulated-backpressured-time": sum((s) => s.backPressuredMs),
    "accumulated-idle-time": sum((s) => s.noInputMs),
    "accumulated-busy-time": sum((s) => s.busyMs),
  };
}

/** Flink's location of a subtask not (yet) deployed. */
const UNASSIGNED = "(unassigned)";

/** The TaskManager subtask `index` of vertex `vertexId` runs on (or ran on last, once the job has ended). */
export function subtaskLocation(entry: JobEntry, vertexId: string, index: number): string {
  if (entry.live !== undefined) return entry.live.execution.taskManagerOf(vertexId, index) || UNASSIGNED;
  const v = entry.client.executionGraph.jobGraph.vertices.find((x) => x.id === vertexId) as VertexView | undefined;
  return v?.taskManagers?.[index] ?? UNASSIGNED;
}

/** `/jobs/:jobid/vertices/:vertexid` (Flink's JobVertexDetailsInfo): the vertex with each subtask's state, records and TaskManager. */
export function vertexDetails(entry: JobEntry, v: VertexView): object {
  const state = taskState(entry.client.getJobStatus());
  const { start, end, duration } = times(entry);
  const metrics = vertexMetrics(entry).get(v.id);
  const statusDuration = statusDurations(entry);
  const subtasks = Array.from({ length: v.parallelism }, (_, i) => {
    const m = metrics?.subtasks.find((s) => s.subtask === i);
    const location = subtaskLocation(entry, v.id, i);
    return {
      subtask: i,
      status: state,
      attempt: restarts(entry),
      // TaskManagers are isolates of the server's own process.
      host: location === UNASSIGNED ? UNASSIGNED : "localhost",
      "start-time": start,
      "end-time": end,
      duration,
      metrics: ioMetrics(m === undefined ? [] : [m]),
      "taskmanager-id": location,
      "status-duration": statusDuration,
      start_time: start,
    };
  });
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    now: Date.now(),
    subtasks,
    aggregated: {
      metrics: Object.fromEntries(Object.keys(subtasks[0]?.metrics ?? ioMetrics([])).filter((k) => !k.endsWith("-complete")).map((k) => [k, aggregate(subtasks.map((s) => (s.metrics as Record<string, number>)[k]!))])),
      "status-duration": Object.fromEntries(Object.keys(statusDuration).map((k) => [k, aggregate(subtasks.map(() => statusDuration[k]!))])),
    },
  };
}

/** Flink's aggregate of one figure over a vertex's subtasks (AggregatedTaskDetailsInfo). */
function aggregate(values: readonly number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { min: 0, max: 0, avg: 0, sum: 0, median: 0, p25: 0, p75: 0, p95: 0 };
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { min: sorted[0]!, max: sorted[n - 1]!, avg: Math.floor(sum / n), sum, median: at(0.5), p25: at(0.25), p75: at(0.75), p95: at(0.95) };
}

/**
 * How long the job's subtasks were in each of Flink's early execution states and running, ms
 * (Flink's status-duration): Eddy deploys a subtask as it creates it, so only CREATED and RUNNING take time.
 */
function statusDurations(entry: JobEntry): Record<string, number> {
  const stamps = entry.client.timestamps().status;
  const { end } = times(entry);
  const until = end < 0 ? Date.now() : end;
  const created = stamps.CREATED;
  const running = stamps.RUNNING;
  return {
    CREATED: created === undefined ? -1 : (running ?? until) - created,
    SCHEDULED: -1,
    DEPLOYING: -1,
    INITIALIZING: -1,
    RUNNING: running === undefined ? -1 : until - running,
  };
}

/** `/jobs/:jobid/plan`: the job vertices as Flink's plan nodes. */
export function jobPlan(entry: JobEntry): { plan: object } {
  const graph = entry.client.executionGraph.jobGraph;
  return {
    plan: {
      jid: entry.id,
      name: entry.name,
      type: "STREAMING",
      nodes: graph.vertices.map((v) => ({
        id: v.id,
        parallelism: v.parallelism,
        operator: "",
        operator_strategy: "",
        description: v.name,
        ...(v.inputs.length > 0
          ? { inputs: v.inputs.map((e, num) => ({ num, id: e.sourceVertex, ship_strategy: e.partitioner.kind.toUpperCase(), exchange: "pipelined_bounded" })) }
          : {}),
        optimizer_properties: {},
      })),
    },
  };
}

/** `/jobs/:jobid/exceptions`: root cause and the history (Flink 1.13+ shape plus the legacy fields). */
export function jobExceptions(entry: JobEntry): object {
  const history = entry.client.getExceptionHistory();
  const latest = history[history.length - 1];
  const entries = [...history].reverse().map((e) => ({
    exceptionName: e.exceptionName,
    stacktrace: e.stacktrace,
    timestamp: e.timestamp,
    taskName: e.taskName,
    // Flink 1.15 named the location "endpoint"; later versions send both.
    endpoint: null,
    location: null,
    taskManagerId: null,
    failureLabels: {},
    attempt: e.attempt,
    concurrentExceptions: [],
  }));
  return {
    "root-exception": latest === undefined ? null : `${latest.exceptionName}: ${latest.message}`,
    timestamp: latest?.timestamp ?? null,
    "all-exceptions": [],
    truncated: false,
    exceptionHistory: { entries, truncated: false },
  };
}

/** `/jobs/:jobid/vertices/:vertexid/backpressure` (Flink 1.13+: task time accounting). */
export function vertexBackpressure(v: VertexMetrics): object {
  return {
    status: "ok",
    "backpressure-level": v.backpressureLevel,
    "end-timestamp": Date.now(),
    subtasks: v.subtasks.map((s) => ({
      subtask: s.subtask,
      "attempt-number": 0,
      "backpressure-level": s.backPressureRatio <= 0.1 ? "ok" : s.backPressureRatio <= 0.5 ? "low" : "high",
      ratio: round(s.backPressureRatio),
      busyRatio: round(s.busyMsPerSecond / 1000),
      idleRatio: round(s.idleMsPerSecond / 1000),
    })),
  };
}

/** `/jobs/:jobid/vertices/:vertexid/watermarks`: `[{id: "0.currentInputWatermark", value}]`. */
export function vertexWatermarks(v: VertexMetrics): object[] {
  return v.subtasks.flatMap((s) => [
    { id: `${s.subtask}.currentInputWatermark`, value: watermarkString(s.currentInputWatermark) },
    { id: `${s.subtask}.currentOutputWatermark`, value: watermarkString(s.currentOutputWatermark) },
  ]);
}

/**
 * Job-level metrics for `/jobs/:jobid/metrics` (values as strings, as Flink's), and each source
 * vertex's reader counters summed over its subtasks as `<vertexid>.<counter>`
 * (`<vertexid>.numRecordsInErrors`).
 */
export function jobMetricValues(entry: JobEntry): Record<string, string> {
  const m = entry.client.metrics();
  const cp = (entry.client.checkpointStats() ?? { counts: { completed: 0, failed: 0 }, latest: { completed: null } }) as {
    counts: { completed: number; failed: number };
    latest: { completed: { end_to_end_duration?: number; state_size?: number } | null };
  };
  const { start, end } = times(entry);
  const counters: Record<string, string> = {};
  for (const v of m.vertices) for (const [name, value] of Object.entries(vertexCounters(v))) counters[`${v.id}.${name}`] = String(value);
  for (const v of m.vertices) for (const [name, value] of Object.entries(rateControllerValues(v))) counters[`${v.id}.${name}`] = String(value);
  return {
    numRestarts: String(restarts(entry)),
    uptime: String(start < 0 || end >= 0 ? 0 : Date.now() - start),
    numberOfCompletedCheckpoints: String(cp.counts.completed),
    numberOfFailedCheckpoints: String(cp.counts.failed),
    lastCheckpointDuration: String(cp.latest.completed?.end_to_end_duration ?? -1),
    lastCheckpointSize: String(cp.latest.completed?.state_size ?? -1),
    sourceRecordsPerSecond: String(round(m.sourceRecordsPerSecond)),
    currentWatermark: watermarkString(m.currentWatermark),
    ...counters,
  };
}

/** A source's rate controller as metric values: the rate it sets (-1: unlimited) and what it observed. */
export function rateControllerValues(v: VertexMetrics): Record<string, number> {
  const r = v.rateController;
  if (r === undefined) return {};
  return {
    rateControllerRate: r.rate === undefined ? -1 : round(r.rate),
    rateControllerElements: r.elements,
    rateControllerProcessingDelayMs: round(r.processingDelayMs),
    rateControllerSchedulingDelayMs: round(r.schedulingDelayMs),
    rateControllerProcessingRate: round(r.processingRate),
  };
}

/** `/jobs/:jobid/status` (Flink's JobStatusInfo). */
export function jobStatus(entry: JobEntry): object {
  return { status: entry.client.getJobStatus() };
}

/** The execution state a job's tasks went through, by the job status that moved them there. */
const TASK_STATE_OF_JOB: Partial<Record<JobStatus, TaskState>> = { CREATED: "CREATED", RESTARTING: "DEPLOYING", RUNNING: "RUNNING", CANCELLING: "CANCELING", CANCELED: "CANCELED", FINISHED: "FINISHED", FAILED: "FAILED" };

/** `/jobs/:jobid/vertices/:vertexid/subtasktimes` (Flink's SubtasksTimesInfo): when each subtask entered each state. */
export function subtaskTimes(entry: JobEntry, v: VertexView): object {
  const stamps = entry.client.timestamps().status;
  const timestamps: Record<string, number> = {};
  for (const [status, state] of Object.entries(TASK_STATE_OF_JOB)) {
    const at = stamps[status as JobStatus];
    if (at !== undefined) timestamps[state] = at;
  }
  const { duration } = times(entry);
  return {
    id: v.id,
    name: v.name,
    now: Date.now(),
    subtasks: Array.from({ length: v.parallelism }, (_, i) => {
      const location = subtaskLocation(entry, v.id, i);
      return { subtask: i, host: location === UNASSIGNED ? UNASSIGNED : "localhost", duration, timestamps };
    }),
  };
}

/** `/jobs/:jobid/config` (what Flink's JobConfigInfo serializer writes). */
export function jobConfig(entry: JobEntry): object {
  const parallelism = entry.spec?.parallelism ?? Math.max(1, ...entry.client.executionGraph.jobGraph.vertices.map((v) => v.parallelism));
  return {
    jid: entry.id,
    name: entry.name,
    "execution-config": {
      "execution-mode": "PIPELINED",
      "restart-strategy": entry.client.configuration().restartStrategy,
      "job-parallelism": parallelism,
      "object-reuse-mode": false,
      "user-config": {},
    },
  };
}

/** Restarts so far: every failure but a final one was followed by one (the current attempt's number). */
function restarts(entry: JobEntry): number {
  return Math.max(0, entry.client.getExceptionHistory().length - (entry.client.getJobStatus() === "FAILED" ? 1 : 0));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** A savepoint, stop or checkpoint trigger as Flink's AsynchronousOperationResult. */
export function triggerStatus(t: Trigger): object {
  if (t.status === "IN_PROGRESS") return { status: { id: "IN_PROGRESS" } };
  return {
    status: { id: "COMPLETED" },
    operation:
      t.failure !== undefined
        ? { "failure-cause": { class: "EddyError", "stack-trace": t.failure, "serialized-throwable": null } }
        : t.kind === "checkpoint"
          ? { checkpointId: t.result!.checkpointId }
          : { location: t.result!.location },
  };
}
