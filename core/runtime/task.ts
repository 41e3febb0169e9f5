/**
 * Subtasks: a single-threaded loop per subtask, driven by the executor one bounded `step()` at
 * a time. A step processes one input batch (or polls a source for one batch); a task whose
 * output channels have no credit does not step: that is backpressure, without busy-waiting.
 * Checkpoints: sources inject barriers, tasks with inputs align them (BarrierHandler); each
 * task pre-commits, snapshots its chain, forwards the barrier and acknowledges.
 */
import type { SourceReader } from "../connectors/source.ts";
import type { ChannelState, OperatorSnapshot, TaskSnapshot } from "../checkpoint/types.ts";
import type { TaskMetrics } from "../metrics/task-metrics.ts";
import type { Clock } from "../time/types.ts";
import type { StatusWatermarkValve } from "../time/status-watermark-valve.ts";
import { type Barrier, BarrierHandler } from "./barrier-handler.ts";
import type { InputGate } from "./input-gate.ts";
import type { OperatorHost } from "./operator-host.ts";
import type { RecordWriter } from "./record-writer.ts";
import type { SourceOutput } from "./source-output.ts";
import { MAX_WATERMARK, type RecordBatch } from "./stream-element.ts";

/** Where a task is in its life. */
export type TaskStatus = "RUNNING" | "FINISHED";

/** Identity of a subtask. */
export interface TaskInfo {
  readonly vertexId: string;
  readonly vertexName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/** Receives a task's checkpoint acknowledgement. */
export type AcknowledgeCheckpoint = (checkpointId: number, snapshot: TaskSnapshot) => void;

interface TakenSnapshot {
  readonly checkpointId: number;
  readonly operators: readonly OperatorSnapshot[];
  readonly outputState: readonly ChannelState[];
  readonly splits: readonly unknown[] | undefined;
}

interface PendingAck {
  readonly checkpointId: number;
  readonly channelState: readonly ChannelState[];
  readonly alignmentMs: number;
  readonly unaligned: boolean;
}

/** What every task shares: its operator chain, its writers, its metrics, its checkpoint steps. */
export abstract class Task {
  status: TaskStatus = "RUNNING";
  /** Set by the executor: where acknowledgements go. */
  onAcknowledge: AcknowledgeCheckpoint | undefined;
  /**
   * Set by the executor: called the moment asynchronous work this task waits for settles (a
   * pre-commit or commit, a source becoming available), so a parked task is queued again.
   */
  onRunnable: (() => void) | undefined;
  /** Asynchronous work the task waits for before it steps again (pre-commit, commit). */
  private blocker: Promise<void> | undefined;
  private blockerFailure: { error: unknown } | undefined;
  private taken: TakenSnapshot | undefined;
  private pendingAck: PendingAck | undefined;
  /** The checkpoint this task was told about and has not acknowledged yet. */
  expected: Barrier | undefined;

  /** Hosts whose operators buffer records per batch, or whose outputs gather them, in chain order. */
  private readonly batching: readonly OperatorHost<any, any>[];

  constructor(
    readonly info: TaskInfo,
    /** The chain's operators, head first, in topological order. */
    readonly hosts: readonly OperatorHost<any, any>[],
    readonly writers: readonly RecordWriter[],
    readonly metrics: TaskMetrics,
  ) {
    this.batching = hosts.filter((h) => h.buffersBatches);
  }

  /**
   * Lets batching operators flush and gathered records go on, upstream first (what one flushes,
   * the next may buffer): at the end of each input batch, and before anything that must not
   * overtake records (watermark status, barriers, the end of input).
   */
  protected finishBatch(): void {
    for (const h of this.batching) h.finishBatch();
  }

  /**
   * Does one bounded piece of work; returns whether anything happened. A batch that has been
   * filling for `bufferTimeoutMs` is sent even though the task stays busy (0 disables).
   */
  step(bufferTimeoutMs = 0): boolean {
    if (this.blockerFailure !== undefined) throw this.blockerFailure.error;
    if (this.status !== "RUNNING") return this.flushWriters(false);
    if (this.blocker !== undefined) return false;
    if (this.isOutputBlocked()) {
      const moved = this.flushWriters(false);
      if (this.isOutputBlocked()) {
        this.metrics.blocked(performance.now());
        return moved;
      }
      this.metrics.unblocked(performance.now());
    }
    if (this.operatorPending() !== undefined) {
      this.metrics.asyncSince ??= performance.now();
      return false;
    }
    if (this.metrics.asyncSince !== undefined) {
      this.metrics.asyncWaitMs += performance.now() - this.metrics.asyncSince;
      this.metrics.asyncSince = undefined;
    }
    const started = performance.now();
    const worked = this.doStep();
    if (!worked) {
      this.metrics.noInput(started);
      return false;
    }
    this.metrics.hadInput(started);
    const now = performance.now();
    this.metrics.busyMs += now - started;
    if (bufferTimeoutMs > 0) {
      for (const w of this.writers) if (w.openSince !== undefined && now - w.openSince >= bufferTimeoutMs) w.flush(true);
    }
    return true;
  }

  protected abstract doStep(): boolean;

  /**
   * Brings counters that are cheaper to derive than to keep up to date: a task's records out are
   * what its writers wrote (sources count what the reader emitted instead).
   */
  refreshCounters(): void {
    let out = 0;
    for (const w of this.writers) out += w.recordsOut;
    this.metrics.recordsOut = out;
  }

  /** A promise that, once settled, may let this task step again (sources, async sinks, pre-commits). */
  waitingOn(): Promise<unknown> | undefined {
    return this.blocker ?? this.operatorPending();
  }

  /** The asynchronous work the task is blocked on (pre-commit, commit), if any. */
  blockedOn(): Promise<void> | undefined {
    return this.blocker;
  }

  /** Runs `work` in the task's thread of control: the task does not step until it settles. */
  blockOn(work: Promise<unknown>): void {
    const previous = this.blocker;
    const next: Promise<void> = Promise.all([previous, work]).then(
      () => {
        if (this.blocker === next) this.blocker = undefined;
        this.onRunnable?.();
      },
      (error: unknown) => {
        this.blockerFailure ??= { error };
        if (this.blocker === next) this.blocker = undefined;
        this.onRunnable?.();
      },
    );
    this.blocker = next;
  }

  isOutputBlocked(): boolean {
    for (const w of this.writers) if (w.isBlocked()) return true;
    return false;
  }

  protected flushWriters(partial: boolean): boolean {
    let moved = false;
    for (const w of this.writers) if (w.flush(partial)) moved = true;
    return moved;
  }

  /** Whether what this task waits for is its operators' own asynchronous work (a sink's writes), which it is not told about when it settles. */
  waitsOnOperators(): boolean {
    return this.blocker === undefined && this.operatorPending() !== undefined;
  }

  protected operatorPending(): Promise<void> | undefined {
    for (const h of this.hosts) {
      const p = h.pending;
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** Sends a watermark status to every downstream channel (status bypasses operators). */
  emitStatus(idle: boolean): void {
    this.finishBatch();
    for (const w of this.writers) w.emitControl({ kind: "watermark-status", idle });
  }

  /** All input has ended: end the chain in order, then tell downstream. */
  protected finishChain(): void {
    this.finishBatch();
    for (const h of this.hosts) h.endInput();
    for (const w of this.writers) w.emitControl({ kind: "end-of-data" });
    this.flushWriters(true);
    this.status = "FINISHED";
    // No barrier will reach a finished task: its final state is its part of a pending checkpoint.
    if (this.expected !== undefined && this.taken === undefined) this.acknowledgeFinished(this.expected);
  }

  /** Whether everything this task wrote has been handed to its channels. */
  isDrained(): boolean {
    for (const w of this.writers) if (w.hasBuffered()) return false;
    return true;
  }

  /**
   * Pre-commits (prepareSnapshotPreBarrier; the task waits if that is asynchronous), copies the
   * chain's state and sends the barrier on: behind the data when aligned, ahead of it when
   * unaligned (keeping a copy of what it overtook).
   */
  protected snapshotAndForward(barrier: Barrier, unaligned: boolean): void {
    // A source's splits as of its barrier: splits assigned while the snapshot waits for a
    // pre-commit are not in the enumerator's state of this checkpoint either.
    const splits = this.snapshotSplits(barrier.checkpointId);
    // One checkpoint at a time: a pre-commit or commit still in flight finishes first.
    const inFlight = this.blocker;
    if (inFlight !== undefined) {
      this.blockOn(inFlight.then(() => this.prepareAndSnapshot(barrier, unaligned, splits)));
      return;
    }
    this.prepareAndSnapshot(barrier, unaligned, splits);
  }

  private prepareAndSnapshot(barrier: Barrier, unaligned: boolean, splits: readonly unknown[] | undefined): void {
    this.finishBatch();
    const prepared: Promise<void>[] = [];
    for (const h of this.hosts) {
      const r = h.prepareSnapshotPreBarrier(barrier.checkpointId);
      if (r instanceof Promise) prepared.push(r);
    }
    const finish = (): void => {
      // Records emitted while a pre-commit ran (processing-time timers) reach their operators'
      // state before it is copied, as they would record by record.
      if (prepared.length > 0) this.finishBatch();
      const operators = this.hosts.map((h) => h.snapshot(barrier.checkpointId, barrier.timestamp));
      let outputState: ChannelState[] = [];
      if (this.status === "RUNNING") {
        if (unaligned) for (const w of this.writers) outputState = outputState.concat(w.emitPriority(barrier));
        else for (const w of this.writers) w.emitControl(barrier);
      }
      this.taken = { checkpointId: barrier.checkpointId, operators, outputState, splits };
      this.sendAck();
    };
    if (prepared.length === 0) finish();
    else this.blockOn(Promise.all(prepared).then(finish));
  }

  /** Source tasks add their reader's splits. */
  protected snapshotSplits(_checkpointId: number): readonly unknown[] | undefined {
    return undefined;
  }

  protected acknowledgeWhenTaken(ack: PendingAck): void {
    this.pendingAck = ack;
    this.sendAck();
  }

  private sendAck(): void {
    const taken = this.taken;
    const ack = this.pendingAck;
    if (taken === undefined || ack === undefined || taken.checkpointId !== ack.checkpointId) return;
    this.taken = undefined;
    this.pendingAck = undefined;
    if (this.expected?.checkpointId === ack.checkpointId) this.expected = undefined;
    this.onAcknowledge?.(ack.checkpointId, {
      vertexId: this.info.vertexId,
      subtaskIndex: this.info.subtaskIndex,
      operators: taken.operators,
      ...(taken.splits !== undefined ? { splits: taken.splits } : {}),
      channelState: [...ack.channelState, ...taken.outputState],
      alignmentMs: ack.alignmentMs,
      unaligned: ack.unaligned,
    });
  }

  /** A checkpoint this task will not see barriers for (it has finished): snapshot and acknowledge now. */
  acknowledgeFinished(barrier: Barrier): void {
    this.snapshotAndForward(barrier, false);
    this.acknowledgeWhenTaken({ checkpointId: barrier.checkpointId, channelState: [], alignmentMs: 0, unaligned: false });
  }

  /** The checkpoint completed everywhere: operators commit (the task waits for asynchronous commits). */
  notifyCheckpointComplete(checkpointId: number): void {
    const work: Promise<void>[] = [];
    for (const h of this.hosts) {
      const r = h.notifyCheckpointComplete(checkpointId);
      if (r instanceof Promise) work.push(r);
    }
    const extra = this.notifyExtra(checkpointId);
    if (extra instanceof Promise) work.push(extra);
    if (work.length > 0) this.blockOn(Promise.all(work));
  }

  protected notifyExtra(_checkpointId: number): void | Promise<void> {}

  notifyCheckpointAborted(checkpointId: number): void {
    for (const h of this.hosts) h.notifyCheckpointAborted(checkpointId);
  }

  /** Aligned checkpoint timed out: switch to unaligned (tasks with inputs). */
  switchToUnaligned(_checkpointId: number): void {}

  /** Moves this task's queued barrier of `checkpointId` into its channels (aligned timeout). */
  forceBarrier(checkpointId: number): void {
    for (const w of this.writers) w.forceBarrier(checkpointId);
  }
}

/** A task whose head reads from input channels. */
export class StreamTask extends Task {
  readonly barriers: BarrierHandler;

  constructor(
    info: TaskInfo,
    hosts: readonly OperatorHost<any, any>[],
    writers: readonly RecordWriter[],
    metrics: TaskMetrics,
    readonly gate: InputGate,
    readonly valve: StatusWatermarkValve,
    /** The head operator. */
    private readonly head: OperatorHost<any, any>,
  ) {
    super(info, hosts, writers, metrics);
    this.barriers = new BarrierHandler(gate, {
      snapshot: (barrier, unaligned) => this.snapshotAndForward(barrier, unaligned),
      acknowledge: (checkpointId, channelState, alignmentMs, unaligned) => this.acknowledgeWhenTaken({ checkpointId, channelState, alignmentMs, unaligned }),
    });
  }

  /**
   * Takes up to one item per input channel, so a task keeps pace with as many producers as it
   * has (one batch per round starves a task fed by several busy ones). It stops early when its
   * output fills, it waits on asynchronous work (a pre-commit), or it ends.
   */
  protected doStep(): boolean {
    const turns = this.gate.channels.length;
    let worked = false;
    for (let t = 0; t < turns; t++) {
      if (worked && (this.status !== "RUNNING" || this.blockedOn() !== undefined || this.operatorPending() !== undefined || this.isOutputBlocked())) break;
      const took = this.processNext();
      if (took) {
        worked = true;
        continue;
      }
      if (worked) break;
      // Records emitted by timers since the last batch may sit in a batching operator.
      this.finishBatch();
      return this.flushWriters(true);
    }
    return worked;
  }

  /** Handles the next item of the gate; false when no channel has one. */
  private processNext(): boolean {
    const next = this.gate.poll();
    if (next === undefined) return false;
    const { item, channel } = next;
    const batch = item as RecordBatch;
    if (batch.values !== undefined) {
      if (this.barriers.recording) this.barriers.onItem(channel, batch);
      this.metrics.recordsIn += batch.values.length;
      this.head.processBatch(batch, channel.input);
      this.finishBatch();
      return true;
    }
    const control = item as Exclude<typeof item, RecordBatch>;
    switch (control.kind) {
      case "watermark":
        if (this.barriers.recording) this.barriers.onItem(channel, control);
        this.valve.inputWatermark(control.timestamp, channel.consumerIndex);
        break;
      case "watermark-status":
        if (this.barriers.recording) this.barriers.onItem(channel, control);
        this.valve.inputWatermarkStatus(control.idle, channel.consumerIndex);
        break;
      case "end-of-data":
        if (this.gate.markEnded(channel)) {
          this.barriers.onEndOfData(channel);
          this.finishChain();
        } else {
          this.barriers.onEndOfData(channel);
        }
        break;
      case "barrier":
        this.barriers.onBarrier(channel, control);
        break;
    }
    return true;
  }

  /** Adds up how long its input records waited in its channels. */
  override refreshCounters(): void {
    super.refreshCounters();
    let waited = 0;
    let taken = 0;
    for (const c of this.gate.channels) {
      if (c.queueing === undefined) continue;
      waited += c.queueing.waitedMs;
      taken += c.queueing.taken;
    }
    this.metrics.queueWaitedMs = waited;
    this.metrics.queueTaken = taken;
  }

  /** Called by the valve when the combined input watermark advances. */
  onInputWatermark(watermark: number): void {
    this.metrics.currentInputWatermark = watermark;
    this.head.processWatermark(watermark);
  }

  override switchToUnaligned(checkpointId: number): void {
    this.barriers.switchToUnaligned(checkpointId);
  }

  override notifyCheckpointAborted(checkpointId: number): void {
    this.barriers.abort(checkpointId);
    super.notifyCheckpointAborted(checkpointId);
  }
}

/** How much of its rate a source held to one may emit at once, ms. */
const RATE_BURST_MS = 10;

/** A task whose head is a source reader. */
export class SourceTask<T> extends Task {
  private available = true;
  private availability: Promise<unknown> | undefined;
  /** Set by stop-with-savepoint: the source emits nothing more. */
  suspended = false;

  /** Records per second this subtask may emit (its share of a rate controller's rate), if limited. */
  private rate: number | undefined;
  private tokens = 0;
  private refilledAt = 0;

  constructor(
    info: TaskInfo,
    hosts: readonly OperatorHost<any, any>[],
    writers: readonly RecordWriter[],
    metrics: TaskMetrics,
    readonly reader: SourceReader<T, any>,
    readonly output: SourceOutput<T>,
    private readonly batchSize: number,
    private readonly clock: Clock,
  ) {
    super(info, hosts, writers, metrics);
  }

  /** Holds this subtask to `rate` records/s (undefined: as fast as the reader goes). */
  setRate(rate: number | undefined): void {
    if (this.rate === undefined && rate !== undefined) {
      this.tokens = 0;
      this.refilledAt = this.clock.now();
    }
    this.rate = rate;
  }

  /**
   * The records this step may emit: the batch size, or fewer under a rate. A token bucket that
   * holds at most {@link RATE_BURST_MS} of the rate: a source held to a rate lets records in a
   * few at a time, so they reach the next channel spread out. A deeper bucket let a burst in after
   * every pause of the isolate (a downstream task's long step), which refilled the very queue the
   * rate was set to keep short.
   */
  private allowance(): number {
    const limit = this.effectiveRate();
    if (limit === undefined) {
      this.tokens = 0;
      return this.batchSize;
    }
    const now = this.clock.now();
    this.tokens = Math.min(Math.max(1, (limit * RATE_BURST_MS) / 1000), this.tokens + ((now - this.refilledAt) / 1000) * limit);
    this.refilledAt = now;
    return Math.min(this.batchSize, Math.floor(this.tokens));
  }

  private effectiveRate(): number | undefined {
    const cap = this.reader.maxRate?.();
    if (this.rate === undefined) return cap;
    return cap === undefined ? this.rate : Math.min(cap, this.rate);
  }

  override waitingOn(): Promise<unknown> | undefined {
    return super.waitingOn() ?? (this.available ? undefined : this.availability);
  }

  protected doStep(): boolean {
    if (this.suspended) return this.flushWriters(true);
    if (!this.available) return this.flushWriters(true);
    const output = this.output;
    const before = output.recordsOut;
    const budget = this.allowance();
    if (budget < 1) {
      // Over its rate: not available until the next record's token is due.
      const rate = this.effectiveRate()!;
      const wait = Math.max(1, Math.ceil(((1 - this.tokens) / rate) * 1000));
      this.available = false;
      const promise: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, wait)).then((): void => this.becameAvailable(promise));
      this.availability = promise;
      return this.flushWriters(true);
    }
    let status: ReturnType<SourceReader<T>["pollNext"]>;
    let polls = 0;
    const held = this.effectiveRate() !== undefined;
    do {
      status = held ? this.reader.pollNext(output, budget - (output.recordsOut - before)) : this.reader.pollNext(output);
      polls++;
    } while (status === "MORE_AVAILABLE" && output.recordsOut - before < budget && polls < budget && !this.isOutputBlocked());
    this.finishBatch();
    const emitted = output.recordsOut - before;
    this.metrics.recordsOut += emitted;
    if (this.effectiveRate() !== undefined) this.tokens -= emitted;
    if (status === "END_OF_INPUT") {
      output.emitWatermark(MAX_WATERMARK);
      this.finishChain();
      return true;
    }
    if (status === "NOTHING_AVAILABLE") {
      this.available = false;
      const promise: Promise<void> = this.reader.isAvailable().then((): void => this.becameAvailable(promise));
      this.availability = promise;
      const moved = this.flushWriters(true);
      return emitted > 0 || moved;
    }
    return true;
  }

  /** Records the reader emitted wait in the source's output for a batch-taking operator: they go first. */
  protected override finishBatch(): void {
    this.output.flush();
    super.finishBatch();
  }

  private becameAvailable(promise: Promise<unknown>): void {
    if (this.availability !== promise) return;
    this.available = true;
    this.onRunnable?.();
  }

  /** Injects a barrier: snapshot the reader and the chain, send the barrier, acknowledge. */
  triggerCheckpoint(barrier: Barrier): void {
    if (this.status !== "RUNNING") {
      this.acknowledgeFinished(barrier);
      return;
    }
    this.snapshotAndForward(barrier, barrier.options.alignment === "unaligned");
    this.acknowledgeWhenTaken({ checkpointId: barrier.checkpointId, channelState: [], alignmentMs: 0, unaligned: barrier.options.alignment === "unaligned" });
  }

  /** Stop-with-savepoint with drain: the final watermark goes out before the savepoint barrier. */
  drain(): void {
    if (this.status === "RUNNING") this.output.emitWatermark(MAX_WATERMARK);
  }

  /** A source's records out are the records its reader emitted (counted per batch in doStep). */
  override refreshCounters(): void {}

  protected override snapshotSplits(checkpointId: number): readonly unknown[] {
    return this.reader.snapshotState(checkpointId);
  }

  protected override notifyExtra(checkpointId: number): void | Promise<void> {
    return this.reader.notifyCheckpointComplete?.(checkpointId);
  }


  /** Ends this source now (stop-with-savepoint with drain): end-of-data flows downstream. */
  finishNow(): void {
    if (this.status === "RUNNING") this.finishChain();
  }
}
