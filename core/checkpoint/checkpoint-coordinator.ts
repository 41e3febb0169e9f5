/**
 * Triggers checkpoints on a running executor, collects acknowledgements, completes (store, then
 * notify) or aborts them (timeout, failure). It outlives executor attempts: after a restart it
 * is attached to the new executor and checkpoint ids keep increasing.
 */
import { EddyError } from "../errors.ts";
import type { JobExecution } from "../runtime/job-execution.ts";
import type { Clock } from "../time/types.ts";
import type { CheckpointConfig } from "./checkpoint-config.ts";
import { type CheckpointStats, CheckpointStatsTracker } from "./checkpoint-stats.ts";
import { channelStateBytes } from "./checkpoint-storage.ts";
import { CompletedCheckpointStore, type StoredCheckpoint } from "./completed-checkpoint-store.ts";
import type { TaskSnapshot } from "./types.ts";

/** What a trigger may ask for beyond a periodic checkpoint. */
export interface TriggerRequest {
  readonly savepoint: boolean;
  /** Stop-with-savepoint: sources fall silent after the barrier (and drain first if asked). */
  readonly stop?: { readonly drain: boolean };
}

interface Pending {
  readonly id: number;
  readonly timestamp: number;
  readonly request: TriggerRequest;
  readonly expected: Set<string>;
  readonly acks: TaskSnapshot[];
  enumerators: Record<string, unknown>;
  readonly stats: CheckpointStats;
  readonly cancelTimers: (() => void)[];
  readonly resolve: (stored: StoredCheckpoint) => void;
  readonly reject: (error: unknown) => void;
}

/** Options of {@link CheckpointCoordinator}. */
export interface CheckpointCoordinatorOptions {
  readonly config: CheckpointConfig;
  readonly jobKey: string;
  readonly clock: Clock;
  /** Operator id -> name, written into every checkpoint. */
  readonly operatorNames: Readonly<Record<string, string>>;
  /** Called when more checkpoints failed than the config tolerates. */
  readonly onTooManyFailures: (error: EddyError) => void;
}

/** Coordinates checkpoints and savepoints of one job. */
export class CheckpointCoordinator {
  readonly store: CompletedCheckpointStore;
  readonly stats: CheckpointStatsTracker = new CheckpointStatsTracker();
  private executor: JobExecution | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  /** Failed checkpoints since the last one that completed (Flink's CheckpointFailureManager counter). */
  private consecutiveFailures = 0;
  private lastCompletedAt = Number.NEGATIVE_INFINITY;
  private cancelPeriodic: (() => void) | undefined;
  private readonly queued: { request: TriggerRequest; resolve: (s: StoredCheckpoint) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly options: CheckpointCoordinatorOptions) {
    this.store = new CompletedCheckpointStore(options.config.storage, options.config.retained);
  }

  /** Checkpoint ids continue after the restored one. */
  restoredFrom(checkpointId: number): void {
    this.nextId = Math.max(this.nextId, checkpointId + 1);
  }

  /** Starts periodic checkpoints on `executor` (a new attempt). */
  attach(executor: JobExecution): void {
    this.executor = executor;
    executor.onAcknowledge = (id, snapshot) => this.acknowledge(id, snapshot);
    const interval = this.options.config.intervalMs;
    this.cancelPeriodic = executor.scheduler.scheduleRepeating(interval, () => {
      if (this.pending !== undefined || this.queued.length > 0) return;
      if (this.options.clock.now() - this.lastCompletedAt < this.options.config.minPauseMs) return;
      this.trigger({ savepoint: false }).catch(() => undefined);
    });
  }

  /**
   * No more periodic checkpoints in this attempt (after the final checkpoint of a finished job: a
   * later one would pre-commit transactions nothing would ever commit).
   */
  stopPeriodic(): void {
    this.cancelPeriodic?.();
    this.cancelPeriodic = undefined;
  }

  /** The attempt ended: pending work is aborted; a new attempt may attach later. */
  detach(reason: string): void {
    this.stopPeriodic();
    // Queued requests are declined, not started on the attempt that just ended: nothing there
    // would acknowledge them, and the next attempt's checkpoints would wait behind them.
    const queued = this.queued.splice(0);
    if (this.pending !== undefined) this.fail(this.pending, `${reason}`, false, false);
    for (const q of queued) q.reject(new EddyError(`[eddy] checkpoint not taken: ${reason}`, { code: "CHECKPOINT_DECLINED", domain: "internal" }));
    this.executor = undefined;
  }

  /** Triggers a checkpoint or savepoint now (or right after the one in progress). */
  trigger(request: TriggerRequest): Promise<StoredCheckpoint> {
    return new Promise((resolve, reject) => {
      if (this.executor === undefined) {
        reject(new EddyError("[eddy] the job is not running: no checkpoint can be taken", { code: "CHECKPOINT_DECLINED", domain: "user" }));
        return;
      }
      if (this.pending !== undefined) {
        this.queued.push({ request, resolve, reject });
        return;
      }
      this.start(request, resolve, reject);
    });
  }

  private start(request: TriggerRequest, resolve: (s: StoredCheckpoint) => void, reject: (e: unknown) => void): void {
    const executor = this.executor!;
    const { config, clock } = this.options;
    const id = this.nextId++;
    const timestamp = clock.now();
    const expected = new Set(executor.taskKeys());
    const pending: Pending = {
      id,
      timestamp,
      request,
      expected,
      acks: [],
      enumerators: {},
      stats: this.stats.started(id, request.savepoint, timestamp, expected.size),
      cancelTimers: [],
      resolve,
      reject,
    };
    this.pending = pending;
    pending.cancelTimers.push(executor.scheduler.scheduleAt(timestamp + config.timeoutMs, () => this.fail(pending, `checkpoint ${id} expired after ${config.timeoutMs} ms before all subtasks acknowledged`, true)));
    // Savepoints are always aligned, as in Flink.
    const alignment = config.mode === "AT_LEAST_ONCE" ? "at-least-once" : config.unaligned && !request.savepoint ? "unaligned" : "aligned";
    if (alignment === "aligned" && config.alignedTimeoutMs > 0 && !request.savepoint) {
      pending.cancelTimers.push(executor.scheduler.scheduleAt(timestamp + config.alignedTimeoutMs, () => executor.switchToUnaligned(id)));
    }
    executor.triggerCheckpoint(id, timestamp, { alignment, savepoint: request.savepoint, alignedTimeoutMs: config.alignedTimeoutMs }, request.stop, (state) => {
      pending.enumerators = state;
    });
  }

  private acknowledge(id: number, snapshot: TaskSnapshot): void {
    const p = this.pending;
    if (p === undefined || p.id !== id) return;
    const key = `${snapshot.vertexId}#${snapshot.subtaskIndex}`;
    if (!p.expected.delete(key)) return;
    p.acks.push(snapshot);
    this.stats.acknowledged(p.stats, key, this.options.clock.now(), snapshot.alignmentMs, snapshot.unaligned, channelStateBytes(snapshot.channelState));
    if (p.expected.size === 0) void this.complete(p);
  }

  private async complete(p: Pending): Promise<void> {
    for (const cancel of p.cancelTimers) cancel();
    try {
      const stored = await this.store.add({
        jobKey: this.options.jobKey,
        checkpointId: p.id,
        timestamp: p.timestamp,
        isSavepoint: p.request.savepoint,
        tasks: p.acks,
        enumerators: p.enumerators,
        operatorNames: this.options.operatorNames,
      });
      if (this.pending !== p) return;
      this.pending = undefined;
      this.lastCompletedAt = this.options.clock.now();
      this.stats.succeeded(p.stats, this.lastCompletedAt, stored.bytes, stored.location);
      this.consecutiveFailures = 0;
      this.executor?.notifyCheckpointComplete(p.id);
      p.resolve(stored);
    } catch (error) {
      this.fail(p, `storing checkpoint ${p.id} failed: ${error instanceof Error ? error.message : String(error)}`, true);
    }
    this.next();
  }

  /**
   * Aborts `p`. Failures of the checkpoint itself (expiry, storage) count against the tolerance;
   * one that only follows from the job ending or failing (`counted` false) does not, as in Flink.
   */
  private fail(p: Pending, message: string, notify: boolean, counted = true): void {
    if (this.pending !== p) return;
    this.pending = undefined;
    for (const cancel of p.cancelTimers) cancel();
    this.stats.failedWith(p.stats, this.options.clock.now(), message);
    if (notify) this.executor?.notifyCheckpointAborted(p.id);
    const error = new EddyError(`[eddy] ${message}`, { code: "CHECKPOINT_FAILED", domain: "internal" });
    p.reject(error);
    if (counted) this.consecutiveFailures++;
    if (counted && this.consecutiveFailures > this.options.config.tolerableFailures) {
      const failures = this.consecutiveFailures;
      // The job fails over; the count starts again for the next attempt.
      this.consecutiveFailures = 0;
      this.options.onTooManyFailures(
        new EddyError(`[eddy] ${failures} checkpoints in a row failed, more than the ${this.options.config.tolerableFailures} tolerated (tolerableFailedCheckpoints); last: ${message}`, { code: "TOO_MANY_CHECKPOINT_FAILURES", domain: "internal" }),
      );
    }
    this.next();
  }

  private next(): void {
    if (this.executor === undefined) return;
    const q = this.queued.shift();
    if (q !== undefined) this.start(q.request, q.resolve, q.reject);
  }
}
