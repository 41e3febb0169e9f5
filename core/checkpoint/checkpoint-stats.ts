/**
 * Checkpoint statistics for the REST API, in the shape of Flink's `/jobs/:id/checkpoints`:
 * counts, a summary, the latest checkpoints by kind, and a bounded history.
 */

/** Flink's checkpoint states. */
export type CheckpointStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED";

/** One checkpoint as the history shows it. */
export interface CheckpointStats {
  id: number;
  status: CheckpointStatus;
  is_savepoint: boolean;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  /** Bytes as stored. */
  state_size: number;
  end_to_end_duration: number;
  /** Longest barrier alignment of any subtask, ms. */
  alignment_duration: number;
  unaligned: boolean;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  /** Per subtask (`<vertex>#<index>`): when it acknowledged, ms after the trigger. */
  acknowledgements: Record<string, number>;
  /** Per subtask (`<vertex>#<index>`): how long it aligned barriers, ms. */
  alignments: Record<string, number>;
  /** Bytes of in-flight records the checkpoint stored (unaligned checkpoints' channel state). */
  persisted_data: number;
  /** Per subtask (`<vertex>#<index>`) that stored in-flight records: their bytes. */
  persisted: Record<string, number>;
  external_path?: string;
  failure_message?: string;
}

interface MinMaxAvg {
  min: number;
  max: number;
  avg: number;
}

/** Keeps the history and counters. */
export class CheckpointStatsTracker {
  private readonly history: CheckpointStats[] = [];
  private completed = 0;
  private failed = 0;
  private restored: { id: number; restore_timestamp: number; is_savepoint: boolean; external_path?: string } | undefined;

  constructor(private readonly historySize = 10) {}

  started(id: number, isSavepoint: boolean, timestamp: number, numSubtasks: number): CheckpointStats {
    const stats: CheckpointStats = {
      id,
      status: "IN_PROGRESS",
      is_savepoint: isSavepoint,
      trigger_timestamp: timestamp,
      latest_ack_timestamp: timestamp,
      state_size: 0,
      end_to_end_duration: 0,
      alignment_duration: 0,
      unaligned: false,
      num_subtasks: numSubtasks,
      num_acknowledged_subtasks: 0,
      acknowledgements: {},
      alignments: {},
      persisted_data: 0,
      persisted: {},
    };
    this.history.unshift(stats);
    if (this.history.length > this.historySize) this.history.pop();
    return stats;
  }

  acknowledged(stats: CheckpointStats, task: string, now: number, alignmentMs: number, unaligned: boolean, persistedBytes = 0): void {
    stats.num_acknowledged_subtasks++;
    if (persistedBytes > 0) {
      stats.persisted[task] = persistedBytes;
      stats.persisted_data += persistedBytes;
    }
    stats.acknowledgements[task] = now - stats.trigger_timestamp;
    stats.alignments[task] = alignmentMs;
    stats.latest_ack_timestamp = now;
    stats.alignment_duration = Math.max(stats.alignment_duration, alignmentMs);
    stats.unaligned ||= unaligned;
  }

  succeeded(stats: CheckpointStats, now: number, size: number, path: string): void {
    stats.status = "COMPLETED";
    stats.end_to_end_duration = now - stats.trigger_timestamp;
    stats.state_size = size;
    stats.external_path = path;
    this.completed++;
  }

  failedWith(stats: CheckpointStats, now: number, message: string): void {
    stats.status = "FAILED";
    stats.end_to_end_duration = now - stats.trigger_timestamp;
    stats.failure_message = message;
    this.failed++;
  }

  restoredFrom(id: number, timestamp: number, isSavepoint: boolean, path: string | undefined): void {
    this.restored = { id, restore_timestamp: timestamp, is_savepoint: isSavepoint, ...(path !== undefined ? { external_path: path } : {}) };
  }

  get failedCount(): number {
    return this.failed;
  }

  /** Flink's `/jobs/:jobid/checkpoints` body. */
  toJSON(): object {
    const done = this.history.filter((h) => h.status === "COMPLETED");
    const summary = (pick: (h: CheckpointStats) => number): MinMaxAvg =>
      done.length === 0 ? { min: 0, max: 0, avg: 0 } : { min: Math.min(...done.map(pick)), max: Math.max(...done.map(pick)), avg: done.reduce((a, h) => a + pick(h), 0) / done.length };
    const latest = (p: (h: CheckpointStats) => boolean): CheckpointStats | null => this.history.find(p) ?? null;
    return {
      counts: {
        restored: this.restored === undefined ? 0 : 1,
        total: this.completed + this.failed + this.history.filter((h) => h.status === "IN_PROGRESS").length,
        in_progress: this.history.filter((h) => h.status === "IN_PROGRESS").length,
        completed: this.completed,
        failed: this.failed,
      },
      summary: {
        state_size: summary((h) => h.state_size),
        end_to_end_duration: summary((h) => h.end_to_end_duration),
        alignment_duration: summary((h) => h.alignment_duration),
      },
      latest: {
        completed: latest((h) => h.status === "COMPLETED" && !h.is_savepoint),
        savepoint: latest((h) => h.status === "COMPLETED" && h.is_savepoint),
        failed: latest((h) => h.status === "FAILED"),
        restored: this.restored ?? null,
      },
      history: this.history.map((h) => ({ ...h, acknowledgements: { ...h.acknowledgements }, alignments: { ...h.alignments }, persisted: { ...h.persisted } })),
    };
  }
}
