/**
 * Exactly-once sinks by two-phase commit (Flink's TwoPhaseCommitSinkFunction): records go into
 * a transaction; at a checkpoint barrier it is pre-committed and a new one begins; when the
 * checkpoint completes, pre-committed transactions are committed (idempotently). On recovery,
 * transactions pre-committed in the restored checkpoint are committed, the open one and any
 * lingering ones are aborted. Transactions are stored in checkpoints, so they must be plain data.
 */
import { PendingWrites } from "./pending-writes.ts";
import type { OperatorContext, SnapshotContext, StreamOperator } from "../runtime/operator.ts";

/** What the transactional logic of one subtask is told. */
export interface TransactionContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** The job's checkpoint interval in ms (transactions must outlive it), when checkpointing is enabled. */
  readonly checkpointIntervalMs: number | undefined;
}

/** The transactional logic of one sink subtask. */
export interface TwoPhaseCommitLogic<T, TXN> {
  beginTransaction(): TXN | Promise<TXN>;
  write(transaction: TXN, value: T, timestamp: number): void | Promise<void>;
  /** Makes the transaction durable but not visible (e.g. flush, stage). */
  preCommit(transaction: TXN): void | Promise<void>;
  /** Makes it visible. Must be idempotent: it may run again after a failure. */
  commit(transaction: TXN): void | Promise<void>;
  abort(transaction: TXN): void | Promise<void>;
  /** On recovery: aborts transactions of this subtask that no checkpoint knows (optional). */
  abortLingering?(known: readonly TXN[]): void | Promise<void>;
  /** Releases connections and other resources when the sink closes (optional). */
  close?(): void | Promise<void>;
}

/** A sink with exactly-once delivery through two-phase commit. */
export interface TwoPhaseCommitSink<T, TXN> {
  readonly name?: string;
  readonly kind: "two-phase-commit";
  createLogic(context: TransactionContext): TwoPhaseCommitLogic<T, TXN>;
}

/** Whether a sink is a two-phase-commit sink. */
export function isTwoPhaseCommitSink(sink: unknown): sink is TwoPhaseCommitSink<unknown, unknown> {
  return typeof sink === "object" && sink !== null && (sink as { kind?: unknown }).kind === "two-phase-commit";
}

interface TwoPhaseState<TXN> {
  readonly pending: readonly { readonly checkpointId: number; readonly transaction: TXN }[];
  readonly current: TXN | undefined;
}

/** Runs a {@link TwoPhaseCommitSink} as the last operator of a chain. */
export class TwoPhaseCommitSinkOperator<T, TXN> implements StreamOperator<T, never> {
  private readonly writes = new PendingWrites();
  get pending(): Promise<void> | undefined {
    return this.writes.current;
  }
  private logic!: TwoPhaseCommitLogic<T, TXN>;
  private current: TXN | undefined;
  /** Pre-committed transactions waiting for their checkpoint to complete, oldest first. */
  private waiting: { checkpointId: number; transaction: TXN }[] = [];
  private restored: TwoPhaseState<TXN> | undefined;

  constructor(private readonly sink: TwoPhaseCommitSink<T, TXN>) {}

  setup(context: OperatorContext<never>): void {
    this.logic = this.sink.createLogic({ subtaskIndex: context.subtaskIndex, parallelism: context.parallelism, checkpointIntervalMs: context.checkpointIntervalMs });
  }

  initializeState(restored: unknown, isRestored: boolean): void {
    if (isRestored && restored !== undefined) this.restored = restored as TwoPhaseState<TXN>;
  }

  async open(): Promise<void> {
    const r = this.restored;
    if (r !== undefined) {
      // The restored checkpoint completed, so what it pre-committed must become visible.
      for (const p of r.pending) await this.logic.commit(p.transaction);
      if (r.current !== undefined) await this.logic.abort(r.current);
      await this.logic.abortLingering?.(r.pending.map((p) => p.transaction));
    } else {
      await this.logic.abortLingering?.([]);
    }
    this.current = await this.logic.beginTransaction();
  }

  processElement(value: T, timestamp: number): void {
    this.writes.check();
    const result = this.logic.write(this.current as TXN, value, timestamp);
    if (result instanceof Promise) this.writes.track(result);
  }

  /** At the barrier: pre-commit the open transaction and begin the next. */
  async prepareSnapshotPreBarrier(checkpointId: number): Promise<void> {
    await this.writes.drain();
    const txn = this.current as TXN;
    await this.logic.preCommit(txn);
    this.waiting.push({ checkpointId, transaction: txn });
    this.current = await this.logic.beginTransaction();
  }

  snapshotState(_context: SnapshotContext): TwoPhaseState<TXN> {
    return { pending: this.waiting.map((w) => ({ ...w })), current: this.current };
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    while (this.waiting.length > 0 && this.waiting[0]!.checkpointId <= checkpointId) {
      await this.logic.commit(this.waiting[0]!.transaction);
      this.waiting.shift();
    }
  }

  async close(): Promise<void> {
    await this.writes.drain();
    // Pre-committed transactions stay for the next run to commit; the open one is dropped.
    try {
      if (this.current !== undefined) await this.logic.abort(this.current);
    } finally {
      await this.logic.close?.();
    }
    this.writes.check();
  }
}
