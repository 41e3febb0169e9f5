/**
 * Exactly-once sinks by two-phase commit (Flink's TwoPhaseCommitSinkFunction): records go into
 * a transaction; at a checkpoint barrier it is pre-committed and a new one begins; when the
 * checkpoint completes, pre-committed transactions are committed (idempotently). On recovery,
 * transactions pre-committed in the restored checkpoint are committed, the open one and any
 * lingering ones are aborted. Transactions are stored in checkpoints, so they must be plain data.
 *
 * Recovery at another parallelism (Flink's Sink V2 redistributes committables the same way):
 * old subtask j's transactions belong to new subtask `j % parallelism`, which commits its
 * pre-committed ones, aborts its open one and cleans up its lingering ones. No transaction a
 * completed checkpoint knows is ever aborted, whoever owns it.
 */
import { PendingWrites } from "./pending-writes.ts";
import type { OperatorContext, RestoredCustomState, SnapshotContext, StreamOperator } from "../runtime/operator.ts";

/** What the transactional logic of one subtask is told. */
export interface TransactionContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** The job's checkpoint interval in ms (transactions must outlive it), when checkpointing is enabled. */
  readonly checkpointIntervalMs: number | undefined;
}

/**
 * Which subtasks' leftovers a subtask cleans up on start: its own, and after a rescale those of
 * old subtasks that no longer exist or now map to it (`index % parallelism === subtaskIndex`).
 */
export interface LingeringScope {
  /** The parallelism of the run restored from (undefined on a fresh start). */
  readonly restoredParallelism: number | undefined;
  /** Subtask indexes this subtask owns: i, i + p, i + 2p, ... below max(p, restored parallelism). */
  readonly subtasks: readonly number[];
  /** Whether leftovers of subtask `index` (of any earlier run) are this subtask's to clean up. */
  owns(index: number): boolean;
}

/** The transactional logic of one sink subtask. */
export interface TwoPhaseCommitLogic<T, TXN> {
  beginTransaction(): TXN | Promise<TXN>;
  write(transaction: TXN, value: T, timestamp: number): void | Promise<void>;
  /**
   * Makes the transaction durable but not visible (e.g. flush, stage), at the barrier of
   * checkpoint `checkpointId`. It is committed only once a checkpoint at least that far has
   * completed, and a restored job numbers its checkpoints after the one it restored, so a
   * committed transaction's id is never given to other writes of this subtask: a commit may
   * name its writes after it (idempotency keys).
   */
  preCommit(transaction: TXN, checkpointId: number): void | Promise<void>;
  /** Makes it visible. Must be idempotent: it may run again after a failure. */
  commit(transaction: TXN): void | Promise<void>;
  abort(transaction: TXN): void | Promise<void>;
  /**
   * On start: aborts the transactions of the subtasks in `scope` that the restored checkpoint
   * does not know (optional). `known` holds every transaction the checkpoint knows, of all old
   * subtasks: they are being committed, by their owner, and must be left alone.
   */
  abortLingering?(known: readonly TXN[], scope: LingeringScope): void | Promise<void>;
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

/** What a restored subtask must finish before it writes: its share of the old subtasks' transactions. */
interface Recovery<TXN> {
  /** The old subtasks' states this subtask owns. */
  readonly owned: readonly TwoPhaseState<TXN>[];
  /** Every transaction pre-committed in the checkpoint, whoever owns it. */
  readonly known: readonly TXN[];
  readonly restoredParallelism: number;
}

/** The scope of `subtaskIndex` among `parallelism` subtasks, after a run at `restoredParallelism`. */
export function lingeringScope(subtaskIndex: number, parallelism: number, restoredParallelism: number | undefined): LingeringScope {
  const bound = Math.max(parallelism, restoredParallelism ?? 0);
  const subtasks: number[] = [];
  for (let j = subtaskIndex; j < bound; j += parallelism) subtasks.push(j);
  return { restoredParallelism, subtasks, owns: (index) => index % parallelism === subtaskIndex };
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
  private recovery: Recovery<TXN> | undefined;
  private subtaskIndex = 0;
  private parallelism = 1;

  constructor(private readonly sink: TwoPhaseCommitSink<T, TXN>) {}

  setup(context: OperatorContext<never>): void {
    this.subtaskIndex = context.subtaskIndex;
    this.parallelism = context.parallelism;
    this.logic = this.sink.createLogic({ subtaskIndex: context.subtaskIndex, parallelism: context.parallelism, checkpointIntervalMs: context.checkpointIntervalMs });
  }

  initializeState(_own: unknown, isRestored: boolean, all: readonly RestoredCustomState[]): void {
    if (!isRestored || all.length === 0) return;
    const states = all.map((s) => ({ subtask: s.subtaskIndex, state: s.custom as TwoPhaseState<TXN> }));
    this.recovery = {
      owned: states.filter((s) => s.subtask % this.parallelism === this.subtaskIndex).map((s) => s.state),
      known: states.flatMap((s) => s.state.pending.map((p) => p.transaction)),
      restoredParallelism: Math.max(...all.map((s) => s.parallelism)),
    };
  }

  async open(): Promise<void> {
    const r = this.recovery;
    this.recovery = undefined;
    if (r !== undefined) {
      // The restored checkpoint completed, so what it pre-committed must become visible.
      for (const s of r.owned) for (const p of s.pending) await this.logic.commit(p.transaction);
      for (const s of r.owned) if (s.current !== undefined) await this.logic.abort(s.current);
    }
    await this.logic.abortLingering?.(r?.known ?? [], lingeringScope(this.subtaskIndex, this.parallelism, r?.restoredParallelism));
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
    await this.logic.preCommit(txn, checkpointId);
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
