/**
 * Checkpoint statistics in Flink's shapes (CheckpointingStatistics, CheckpointStatistics with its
 * `clazz`, TaskCheckpointStatisticsWithSubtaskDetails, CheckpointConfigInfo), built from the
 * statistics the checkpoint coordinator keeps. Eddy stores a checkpoint as one unit and measures
 * its size as a whole, and it does not split a subtask's snapshot into synchronous and asynchronous
 * parts or count the bytes it processed while aligning: those figures are 0, as Flink reports a
 * figure its state backend does not measure. Persisted data, the in-flight records an unaligned
 * checkpoint stored, is measured per subtask, in bytes as stored.
 */
import type { JobConfiguration } from "../core/index.ts";
import { HttpError } from "./errors.ts";
import type { JobEntry } from "./job-registry.ts";

/** One checkpoint as the coordinator's statistics keep it. */
interface RawCheckpoint {
  readonly id: number;
  readonly status: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  readonly is_savepoint: boolean;
  readonly trigger_timestamp: number;
  readonly latest_ack_timestamp: number;
  readonly state_size: number;
  readonly end_to_end_duration: number;
  readonly alignment_duration: number;
  readonly unaligned: boolean;
  readonly num_subtasks: number;
  readonly num_acknowledged_subtasks: number;
  /** `<vertexid>#<subtask>` → ms after the trigger. */
  readonly acknowledgements: Readonly<Record<string, number>>;
  /** `<vertexid>#<subtask>` → alignment ms (absent in statistics kept by older servers). */
  readonly alignments?: Readonly<Record<string, number>>;
  /** Bytes of in-flight records stored, in all and per `<vertexid>#<subtask>` (absent in statistics kept by older servers). */
  readonly persisted_data?: number;
  readonly persisted?: Readonly<Record<string, number>>;
  readonly external_path?: string;
  readonly failure_message?: string;
}

interface RawStats {
  readonly counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  readonly latest: { restored: { id: number; restore_timestamp: number; is_savepoint: boolean; external_path?: string } | null };
  readonly history: readonly RawCheckpoint[];
}

/** Flink's StatsSummaryDto: integer min, max and average, and percentiles. */
export interface StatsSummary {
  min: number;
  max: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/**
 * The `q` quantile of sorted values, estimated as Flink's histogram statistics do (Apache Commons
 * Math's default: position q·(n+1), interpolated between neighbours).
 */
function quantile(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = q * (n + 1);
  if (pos < 1) return sorted[0]!;
  if (pos >= n) return sorted[n - 1]!;
  const lower = sorted[Math.floor(pos) - 1]!;
  const upper = sorted[Math.floor(pos)]!;
  return lower + (pos - Math.floor(pos)) * (upper - lower);
}

/** The summary of `values` (all 0 when there are none). */
export function statsSummary(values: readonly number[]): StatsSummary {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    min: Math.round(sorted[0]!),
    max: Math.round(sorted[sorted.length - 1]!),
    // Flink divides longs: the average is an integer.
    avg: Math.floor(sum / sorted.length),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
  };
}

function rawStats(entry: JobEntry): RawStats | undefined {
  return entry.client.checkpointStats() as RawStats | undefined;
}

const CLAZZ = { COMPLETED: "completed", FAILED: "failed", IN_PROGRESS: "in_progress" } as const;

function checkpointType(cp: RawCheckpoint): string {
  if (cp.is_savepoint) return "SAVEPOINT";
  return cp.unaligned ? "UNALIGNED_CHECKPOINT" : "CHECKPOINT";
}

/** The acknowledgements of `cp` grouped by vertex: subtask index → ms after the trigger. */
function acksByVertex(cp: RawCheckpoint): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [key, ms] of Object.entries(cp.acknowledgements)) {
    const hash = key.lastIndexOf("#");
    const vertex = key.slice(0, hash);
    let m = out.get(vertex);
    if (m === undefined) out.set(vertex, (m = new Map()));
    m.set(Number(key.slice(hash + 1)), ms);
  }
  return out;
}

/** Bytes of in-flight records subtask `index` of `vertexId` stored for `cp`. */
function persistedBy(cp: RawCheckpoint, vertexId: string, index: number): number {
  return cp.persisted?.[`${vertexId}#${index}`] ?? 0;
}

/** Flink's TaskCheckpointStatistics of one vertex in `cp`. */
function taskStatistics(cp: RawCheckpoint, vertexId: string, parallelism: number): Record<string, unknown> {
  const acks = acksByVertex(cp).get(vertexId) ?? new Map<number, number>();
  const latest = acks.size === 0 ? 0 : Math.max(...acks.values());
  let persisted = 0;
  for (let i = 0; i < parallelism; i++) persisted += persistedBy(cp, vertexId, i);
  return {
    id: cp.id,
    status: cp.status,
    latest_ack_timestamp: acks.size === 0 ? -1 : cp.trigger_timestamp + latest,
    checkpointed_size: 0,
    state_size: 0,
    end_to_end_duration: acks.size === 0 ? -1 : latest,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: persisted,
    num_subtasks: parallelism,
    num_acknowledged_subtasks: acks.size,
  };
}

/** Flink's CheckpointStatistics of `cp`; with `vertices`, `tasks` holds each vertex's statistics (as the details endpoint has them). */
function checkpointStatistics(cp: RawCheckpoint, vertices?: readonly { id: string; parallelism: number }[]): Record<string, unknown> {
  const base: Record<string, unknown> = {
    clazz: CLAZZ[cp.status],
    id: cp.id,
    status: cp.status,
    is_savepoint: cp.is_savepoint,
    ...(cp.is_savepoint ? { savepointFormat: "CANONICAL" } : {}),
    trigger_timestamp: cp.trigger_timestamp,
    latest_ack_timestamp: cp.latest_ack_timestamp,
    // Every Eddy checkpoint is a full one: what it wrote is all its state.
    checkpointed_size: cp.state_size,
    state_size: cp.state_size,
    end_to_end_duration: cp.end_to_end_duration,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: cp.persisted_data ?? 0,
    num_subtasks: cp.num_subtasks,
    num_acknowledged_subtasks: cp.num_acknowledged_subtasks,
    checkpoint_type: checkpointType(cp),
    // Eddy's addition: the longest barrier alignment of any subtask, ms.
    alignment_duration: Math.round(cp.alignment_duration),
    tasks: Object.fromEntries((vertices ?? []).map((v) => [v.id, taskStatistics(cp, v.id, v.parallelism)])),
  };
  if (cp.status === "COMPLETED") return { ...base, external_path: cp.external_path ?? "<checkpoint-not-externally-addressable>", discarded: false };
  if (cp.status === "FAILED") return { ...base, failure_timestamp: cp.trigger_timestamp + cp.end_to_end_duration, failure_message: cp.failure_message ?? "" };
  return base;
}

/** `GET /jobs/:jobid/checkpoints` (Flink's CheckpointingStatistics); undefined for a job without checkpointing. */
export function checkpointingStatistics(entry: JobEntry): object | undefined {
  const raw = rawStats(entry);
  if (raw === undefined) return undefined;
  const completed = raw.history.filter((h) => h.status === "COMPLETED");
  const summary = (pick: (h: RawCheckpoint) => number): StatsSummary => statsSummary(completed.map(pick));
  const latest = (p: (h: RawCheckpoint) => boolean): object | null => {
    const found = raw.history.find(p);
    return found === undefined ? null : checkpointStatistics(found);
  };
  return {
    counts: raw.counts,
    summary: {
      checkpointed_size: summary((h) => h.state_size),
      state_size: summary((h) => h.state_size),
      end_to_end_duration: summary((h) => h.end_to_end_duration),
      alignment_buffered: summary(() => 0),
      processed_data: summary(() => 0),
      persisted_data: summary((h) => h.persisted_data ?? 0),
    },
    latest: {
      completed: latest((h) => h.status === "COMPLETED" && !h.is_savepoint),
      savepoint: latest((h) => h.status === "COMPLETED" && h.is_savepoint),
      failed: latest((h) => h.status === "FAILED"),
      restored: raw.latest.restored === null ? null : { external_path: "", ...raw.latest.restored },
    },
    history: raw.history.map((h) => checkpointStatistics(h)),
  };
}

function checkpointOf(entry: JobEntry, idText: string): RawCheckpoint {
  const raw = rawStats(entry);
  if (raw === undefined) throw new HttpError(404, `[eddy] checkpointing has not been enabled for job "${entry.id}"`);
  const id = Number(idText);
  const cp = Number.isInteger(id) ? raw.history.find((h) => h.id === id) : undefined;
  if (cp === undefined) {
    const kept = raw.history.map((h) => h.id);
    throw new HttpError(404, `[eddy] checkpoint "${idText}" of job "${entry.id}" is not in its history (kept: ${kept.length === 0 ? "none" : kept.join(", ")})`);
  }
  return cp;
}

/** `GET /jobs/:jobid/checkpoints/details/:checkpointid`: one checkpoint with each vertex's statistics. */
export function checkpointDetails(entry: JobEntry, checkpointId: string): object {
  return checkpointStatistics(checkpointOf(entry, checkpointId), entry.client.executionGraph.jobGraph.vertices);
}

/** `GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid` (TaskCheckpointStatisticsWithSubtaskDetails). */
export function checkpointSubtasks(entry: JobEntry, checkpointId: string, vertexId: string): object {
  const cp = checkpointOf(entry, checkpointId);
  const vertex = entry.client.executionGraph.jobGraph.vertices.find((v) => v.id === vertexId);
  if (vertex === undefined) throw new HttpError(404, `[eddy] vertex "${vertexId}" not found in job "${entry.id}"`);
  const acks = acksByVertex(cp).get(vertexId) ?? new Map<number, number>();
  // Integer milliseconds, as Flink's longs.
  const alignment = (i: number): number => Math.round(cp.alignments?.[`${vertexId}#${i}`] ?? 0);
  const subtasks = Array.from({ length: vertex.parallelism }, (_, index) => {
    const ack = acks.get(index);
    if (ack === undefined) return { clazz: "pending", index, status: "pending_or_failed" };
    return {
      clazz: "completed",
      index,
      status: "completed",
      ack_timestamp: cp.trigger_timestamp + ack,
      end_to_end_duration: ack,
      checkpointed_size: 0,
      state_size: 0,
      checkpoint: { sync: 0, async: 0 },
      alignment: { buffered: 0, processed: 0, persisted: persistedBy(cp, vertexId, index), duration: alignment(index) },
      start_delay: 0,
      unaligned_checkpoint: cp.unaligned,
      aborted: false,
    };
  });
  const done = [...acks.keys()];
  const zeros = statsSummary(done.map(() => 0));
  return {
    ...taskStatistics(cp, vertexId, vertex.parallelism),
    summary: {
      checkpointed_size: zeros,
      state_size: zeros,
      end_to_end_duration: statsSummary(done.map((i) => acks.get(i)!)),
      checkpoint_duration: { sync: zeros, async: zeros },
      alignment: { buffered: zeros, processed: zeros, persisted: statsSummary(done.map((i) => persistedBy(cp, vertexId, i))), duration: statsSummary(done.map(alignment)) },
      start_delay: zeros,
    },
    subtasks,
  };
}

/** `GET /jobs/:jobid/checkpoints/config` (Flink's CheckpointConfigInfo); undefined without checkpointing. */
export function checkpointConfigInfo(config: JobConfiguration): object | undefined {
  const cp = config.checkpointing;
  if (cp === undefined) return undefined;
  return {
    // Flink's serializer writes the mode in lower case.
    mode: cp.mode.toLowerCase(),
    interval: cp.intervalMs,
    timeout: cp.timeoutMs,
    min_pause: cp.minPauseMs,
    max_concurrent: 1,
    externalization: { enabled: true, delete_on_cancellation: false },
    state_backend: "HashMapStateBackend",
    checkpoint_storage: cp.storage,
    unaligned_checkpoints: cp.unaligned,
    tolerable_failed_checkpoints: cp.tolerableFailures,
    aligned_checkpoint_timeout: cp.alignedTimeoutMs,
    checkpoints_after_tasks_finish: true,
    state_changelog_enabled: false,
    changelog_periodic_materialization_interval: -1,
    changelog_storage: "",
  };
}
