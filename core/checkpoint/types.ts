/**
 * What one operator subtask contributes to a checkpoint. Metadata is superjson-able; bulk keyed
 * state and timers are strings per key group, so they can be stored and rescaled without decoding.
 */
import type { KeyedStateSnapshot } from "../state/types.ts";
import type { TimersSnapshot } from "../time/timer-service.ts";

export type { TimersSnapshot } from "../time/timer-service.ts";

/** Operator (non-keyed) list state: state name -> elements, redistributed round-robin on restore. */
export type OperatorStateSnapshot = Readonly<Record<string, readonly unknown[]>>;

/** The snapshot of one operator in one subtask. */
export interface OperatorSnapshot {
  readonly operatorId: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly checkpointId: number;
  readonly timestamp: number;
  /** Keyed state, per key group. Present on keyed operators. */
  readonly keyed?: KeyedStateSnapshot;
  /** Event- and processing-time timers, per key group. Present on keyed operators. */
  readonly timers?: TimersSnapshot;
  readonly operatorState?: OperatorStateSnapshot;
  /** Whatever `StreamOperator.snapshotState` returned. */
  readonly custom?: unknown;
  /**
   * The operator's event time at the snapshot. Restored (the minimum over the old subtasks), so
   * an element that was late before a failure is still late after it, as in a run that never failed.
   */
  readonly watermark?: number;
}

/** Exactly-once aligns barriers; at-least-once does not wait (records may be counted twice after a restore). */
export type CheckpointingMode = "EXACTLY_ONCE" | "AT_LEAST_ONCE";

/** Records in flight on one channel at a checkpoint (unaligned checkpoints), replayed first on restore. */
export interface ChannelState {
  /** Identifies the channel across restores: edge, upstream subtask, downstream subtask. */
  readonly channel: string;
  /**
   * Where in the channel's data it was: 0, recorded by the receiver after its snapshot; 1,
   * overtaken by the barrier in the channel (locally), or in the receiver's queue (across
   * TaskManagers); 2, overtaken in the sender's buffers before they were sent (across
   * TaskManagers). On restore a channel replays 0, then 1, then 2: their order in the data.
   */
  readonly order: 0 | 1 | 2;
  readonly values: readonly unknown[];
  readonly timestamps: readonly number[];
  /**
   * Watermarks and watermark-status changes that travelled among these records, each replayed
   * just before record `at` (`values.length`: after the last). Absent when there were none.
   */
  readonly controls?: readonly InFlightControl[];
}

/** A watermark or watermark status in a channel's in-flight data, with its position. */
export interface InFlightControl {
  readonly at: number;
  readonly element: { readonly kind: "watermark"; readonly timestamp: number } | { readonly kind: "watermark-status"; readonly idle: boolean };
}

/** What one subtask acknowledges for a checkpoint. */
export interface TaskSnapshot {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly operators: readonly OperatorSnapshot[];
  /** Source subtasks: the splits their reader held, with positions. */
  readonly splits?: readonly unknown[];
  /** In-flight records on this subtask's input channels (unaligned checkpoints). */
  readonly channelState?: readonly ChannelState[];
  /** Time spent aligning barriers, ms. */
  readonly alignmentMs: number;
  /** Whether this subtask took the snapshot unaligned. */
  readonly unaligned: boolean;
}

/** A checkpoint or savepoint that every subtask acknowledged. */
export interface CompletedCheckpoint {
  /** The job this belongs to (its name unless set otherwise); checkpoints of one job share it. */
  readonly jobKey: string;
  readonly checkpointId: number;
  readonly timestamp: number;
  readonly isSavepoint: boolean;
  readonly tasks: readonly TaskSnapshot[];
  /** Split enumerator state per source vertex id. */
  readonly enumerators: Readonly<Record<string, unknown>>;
  /** Operator id -> display name, so a restore can name operators that no longer exist. */
  readonly operatorNames: Readonly<Record<string, string>>;
}
