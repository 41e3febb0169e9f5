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
}
