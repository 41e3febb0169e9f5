/**
 * Runs the subtasks of one job attempt that this isolate hosts: all of them in the local
 * executor, a TaskManager's share on a worker. It wires channels (local between hosted subtasks,
 * remote to the others), builds each subtask's operator chain, and drives the subtasks
 * cooperatively: only runnable ones are stepped (an activation queue), the others park until
 * input, credit, a timer, mail or the asynchronous work they wait for wakes them. `step()` and
 * `runUntilIdle()` make tests deterministic; `run()` loops until every hosted task has finished,
 * waiting (never spinning) when none can progress.
 */
import { EddyError } from "../errors.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobEdge, JobVertex } from "../graph/job-graph.ts";
import type { SourceSplit } from "../connectors/source.ts";
import { TaskMetrics } from "../metrics/task-metrics.ts";
import type { SubtaskMetrics } from "../metrics/job-metrics.ts";
import type { Clock } from "../time/types.ts";
import type { CompletedCheckpoint, TaskSnapshot } from "../checkpoint/types.ts";
import type { BarrierOptions } from "./stream-element.ts";
import { ActivationQueue } from "./activation-queue.ts";
import { Channel, type InputChannel, type OutputChannel } from "./channel.ts";
import { ChainOutput } from "./chain-output.ts";
import { InputGate } from "./input-gate.ts";
import { OperatorHost } from "./operator-host.ts";
import type { StreamOperator } from "./operator.ts";
import { createChannelSelector, pointwiseTargets } from "./partitioner.ts";
import { ProcessingTimeScheduler } from "./processing-time-scheduler.ts";
import { RecordWriter, type RecordTarget } from "./record-writer.ts";
import { type CreditWaits, type DataBundle, type Outbox, RemoteInputChannel, RemoteOutputChannel } from "./remote-channel.ts";
import { SourceOutput } from "./source-output.ts";
import { SourceTask, StreamTask, type Task } from "./task.ts";
import { restoredStateFor, type RestoredState } from "./restore.ts";
import { StatusWatermarkValve } from "../time/status-watermark-valve.ts";
import type { UserCodeWatch } from "./user-code-watch.ts";
import type { ResultOutbox } from "../connectors/sink.ts";

/** Tuning of an executor. */
export interface ExecutorOptions {
  readonly clock: Clock;
  /** Records per batch on channels (and per source poll). */
  readonly batchSize: number;
  /** Credits per channel, in batches. */
  readonly channelCapacity: number;
  /** Periodic watermark emission interval in ms (0 disables). */
  readonly autoWatermarkInterval: number;
  /** How often busy/backpressured/idle rates are sampled, ms. */
  readonly metricsIntervalMs: number;
  /** A partly filled batch is sent after this many ms even if its task stays busy (Flink's buffer timeout; default 5). */
  readonly bufferTimeoutMs?: number;
  /** State to start from (a checkpoint or savepoint). */
  readonly restore?: RestoreSettings;
  /** Runs when every task has finished, before operators close (the final checkpoint of 2PC sinks). */
  readonly onAllFinished?: () => Promise<void>;
  /** Attempt number (0 for the first run), handed to sink writers. */
  readonly attempt?: number;
  /** Checkpoint interval in ms when checkpointing is enabled (operators may check timeouts against it). */
  readonly checkpointIntervalMs?: number;
  /** Watches user code for CPU budgets (worker TaskManagers); none in one isolate. */
  readonly watch?: UserCodeWatch;
  /** Where result sinks of each stream node send their records (a TaskManager in another isolate). */
  readonly results?: (nodeId: number) => ResultOutbox;
  /** Runs after every step (a TaskManager sends what the step produced). */
  readonly afterStep?: () => void;
  /** Runs before every step (a TaskManager takes in data and credits waiting for it). */
  readonly beforeStep?: () => void;
}

/** Where a job's state comes from when it starts. */
export interface RestoreSettings {
  readonly checkpoint: CompletedCheckpoint;
  /** Skip state of operators that no longer exist instead of failing. */
  readonly allowNonRestoredState: boolean;
}

/** Where the executor is. */
export type ExecutorStatus = "CREATED" | "RUNNING" | "FINISHED" | "FAILED" | "CANCELED";

/** The subtasks this executor does not host: where they are. */
export interface RemoteSubtasks {
  /** Whether this executor runs subtask `subtaskIndex` of `vertexId`. */
  hosts(vertexId: string, subtaskIndex: number): boolean;
  /** The outbox towards the TaskManager that runs subtask `subtaskIndex` of `vertexId`. */
  outbox(vertexId: string, subtaskIndex: number): Outbox;
}

/** What source readers tell their split enumerator, wherever it runs. */
export interface EnumeratorGateway {
  /** A reader started (restored splits added): the enumerator may assign it splits. */
  readerStarted(vertexId: string, subtaskIndex: number): void;
  /** A reader asks for a split (pull-based sources). */
  splitRequest(vertexId: string, subtaskIndex: number): void;
}

/** The key of a subtask, `<vertexId>#<subtaskIndex>`, as checkpoints and messages name it. */
export function subtaskKey(vertexId: string, subtaskIndex: number): string {
  return `${vertexId}#${subtaskIndex}`;
}

/** The vertex id and subtask index of a subtask key. */
export function parseSubtaskKey(key: string): [vertexId: string, subtaskIndex: number] {
  const at = key.lastIndexOf("#");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

/** Credits (batches) of a channel between TaskManagers, at least. */
const REMOTE_CHANNEL_MIN_CAPACITY = 16;

const everything: RemoteSubtasks = {
  hosts: () => true,
  outbox: () => {
    throw new Error("[eddy] internal: every subtask is local");
  },
};

/** Runs the hosted subtasks of one job attempt. */
export class TaskExecutor {
  readonly tasks: Task[] = [];
  readonly scheduler: ProcessingTimeScheduler;
  status: ExecutorStatus = "CREATED";
  failureCause: unknown;
  /** Set by the checkpoint coordinator (or the TaskManager): receives every task's acknowledgement. */
  onAcknowledge: ((checkpointId: number, snapshot: TaskSnapshot) => void) | undefined;
  protected readonly restored: RestoredState | undefined;
  protected readonly tasksByVertex: Map<string, Task[]> = new Map();
  protected readonly readers: Map<string, SourceTask<unknown>> = new Map();
  private readonly mailbox: (() => void)[] = [];
  private readonly cancels: (() => void)[] = [];
  private wakeUp: (() => void) | undefined;
  /** Subtasks that may progress; the others are parked (see ActivationQueue). */
  private readonly runnable: ActivationQueue;
  /** The asynchronous work each parked subtask waits for (it is queued once that settles). */
  private readonly parkedOn: (Promise<unknown> | undefined)[] = [];
  /** Asynchronous work parked subtasks wait for that has not settled yet. */
  private awaiting = 0;
  /**
   * Subtasks parked on their operators' own asynchronous work (a sink's writes): it tells no one
   * when it settles, so each round looks whether it has, as stepping them would have.
   */
  private readonly onOperators = new Set<number>();
  /** Asynchronous work a subtask waited for failed (a reader's availability): run() fails with it. */
  private awaitFailure: { error: unknown } | undefined;
  private readonly finished: boolean[] = [];
  private finishedCount = 0;
  private opened = false;
  private readonly remoteInputs = new Map<string, RemoteInputChannel>();
  private readonly remoteOutputs = new Map<string, RemoteOutputChannel>();
  private readonly outboxes = new Set<Outbox>();
  private readonly bufferTimeoutMs: number;
  private yieldEveryMs = 20;
  private readonly creditWaits: CreditWaits = { starved: 0 };
  private readonly yielder = new EventLoopYield();

  constructor(
    readonly graph: ExecutionGraph,
    readonly options: ExecutorOptions,
    protected readonly enumerators: EnumeratorGateway,
    private readonly placement: RemoteSubtasks = everything,
  ) {
    this.scheduler = new ProcessingTimeScheduler(options.clock);
    this.restored = options.restore === undefined ? undefined : restoredStateFor(graph, options.restore);
    this.bufferTimeoutMs = options.bufferTimeoutMs ?? 5;
    this.build();
    for (const t of this.tasks) t.onAcknowledge = (id, snapshot) => this.onAcknowledge?.(id, snapshot);
    this.runnable = new ActivationQueue(this.tasks.length);
    this.runnable.activateAll();
    this.tasks.forEach((t, i) => {
      t.onRunnable = () => this.activateAt(i);
      this.parkedOn.push(undefined);
      this.finished.push(false);
    });
  }

  /** Keys of every hosted subtask: `<vertexId>#<subtask>`. */
  taskKeys(): string[] {
    return this.tasks.map((t) => subtaskKey(t.info.vertexId, t.info.subtaskIndex));
  }

  /**
   * Starts a checkpoint on the hosted tasks: finished ones acknowledge their final state, running
   * ones expect it, sources inject the barrier (for stop-with-savepoint, after draining and then
   * falling silent). Runs as a mailbox action.
   */
  triggerCheckpoint(checkpointId: number, timestamp: number, options: BarrierOptions, stop: { drain: boolean } | undefined, before?: () => void): void {
    this.post(() => {
      before?.();
      const barrier = { kind: "barrier" as const, checkpointId, timestamp, options };
      for (const t of this.tasks) {
        if (t.status === "FINISHED") t.acknowledgeFinished(barrier);
        else t.expected = barrier;
      }
      for (const t of this.readers.values()) {
        if (t.status !== "RUNNING") continue;
        if (stop?.drain === true) t.drain();
        t.triggerCheckpoint(barrier);
        if (stop !== undefined) t.suspended = true;
      }
    });
  }

  /** Tells every hosted task that a checkpoint completed (sinks commit). */
  notifyCheckpointComplete(checkpointId: number, also?: () => void): void {
    this.post(() => {
      for (const t of this.tasks) t.notifyCheckpointComplete(checkpointId);
      also?.();
    });
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.post(() => {
      for (const t of this.tasks) {
        if (t.expected?.checkpointId === checkpointId) t.expected = undefined;
        t.notifyCheckpointAborted(checkpointId);
      }
    });
  }

  /** The aligned phase of a checkpoint timed out: barriers overtake in-flight data from here on. */
  switchToUnaligned(checkpointId: number): void {
    this.post(() => {
      for (const t of this.tasks) t.forceBarrier(checkpointId);
      for (const t of this.tasks) t.switchToUnaligned(checkpointId);
    });
  }

  /** Ends the sources after a stop-with-savepoint with drain: the job then finishes normally. */
  finishSources(): void {
    this.post(() => {
      for (const t of this.readers.values()) t.finishNow();
    });
  }

  /** Holds the hosted subtasks of source `vertexId` to `rate` records/s in total (undefined: unlimited). */
  setSourceRate(vertexId: string, rate: number | undefined): void {
    const parallelism = this.graph.jobGraph.vertex(vertexId).parallelism;
    for (const t of this.readers.values()) {
      if (t.info.vertexId !== vertexId) continue;
      t.setRate(rate === undefined ? undefined : rate / parallelism);
      this.activate(t);
    }
    this.wake();
  }

  /** Splits for the reader of subtask `subtaskIndex` of `vertexId`. */
  addSplits(vertexId: string, subtaskIndex: number, splits: SourceSplit[]): void {
    const task = this.readers.get(subtaskKey(vertexId, subtaskIndex));
    task?.reader.addSplits(splits);
    if (task !== undefined) this.activate(task);
    this.wake();
  }

  noMoreSplits(vertexId: string, subtaskIndex: number): void {
    const task = this.readers.get(subtaskKey(vertexId, subtaskIndex));
    task?.reader.notifyNoMoreSplits();
    if (task !== undefined) this.activate(task);
    this.wake();
  }

  /** Queues an action to run between steps (checkpoint triggers, coordinator callbacks). */
  post(action: () => void): void {
    this.mailbox.push(action);
    this.wake();
  }

  /** Queues a subtask (and lets a waiting `run()` step it). */
  private activate(task: Task): void {
    this.runnable.activate(this.tasks.indexOf(task));
    this.wake();
  }

  /** Queues subtask `index` from a channel, a timer or settled work; wakes a waiting `run()`. */
  private activateAt(index: number): void {
    this.runnable.activate(index);
    if (this.wakeUp !== undefined) this.wake();
  }

  /** Lets a waiting `run()` look for work again (data or credit arrived, a split was assigned). */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /** Data from another TaskManager for this attempt's channels. */
  deliver(bundle: DataBundle): void {
    for (const m of bundle.messages) {
      if (m.kind === "credit") this.remoteOutputs.get(m.channel)?.addCredit(m.credits);
      else this.remoteInputs.get(m.channel)?.deliver(m);
    }
    this.wake();
  }

  /** Opens every hosted operator (tail first, as Flink) and starts the hosted source readers. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    // A cancel that came first stays: the run loop then closes what it opened.
    if (this.status === "CREATED") this.status = "RUNNING";
    for (const task of [...this.tasks].reverse()) {
      for (const host of [...task.hosts].reverse()) await host.open(this.restored?.operators.get(host.id));
    }
    for (const t of this.readers.values()) await t.reader.start();
    for (const t of this.readers.values()) {
      // Restored readers get their own splits back (FLIP-27); then every reader registers with
      // the enumerator, which assigns what it still holds and decides when there are no more.
      const splits = this.restored?.splits.get(subtaskKey(t.info.vertexId, t.info.subtaskIndex));
      if (splits !== undefined && splits.length > 0) t.reader.addSplits(splits as never[]);
      this.enumerators.readerStarted(t.info.vertexId, t.info.subtaskIndex);
    }
    if (this.options.autoWatermarkInterval > 0) {
      // A source stopped by stop-with-savepoint emits nothing after its barrier, watermarks included.
      for (const t of this.readers.values()) {
        this.cancels.push(
          this.scheduler.scheduleRepeating(this.options.autoWatermarkInterval, () => {
            if (t.suspended) return;
            t.output.onPeriodicEmit();
            this.activate(t);
          }),
        );
      }
    }
    const sample = (): void => {
      const now = performance.now();
      for (const t of this.tasks) {
        t.refreshCounters();
        t.metrics.sample(now);
      }
    };
    sample();
    this.cancels.push(this.scheduler.scheduleRepeating(this.options.metricsIntervalMs, sample));
  }

  /**
   * Runs mailbox actions and due timers, then gives every runnable task one step (one round).
   * Returns whether anything happened. A task that did something stays runnable; one that did
   * not parks until input, credit, a timer, mail or the asynchronous work it waits for wakes it.
   */
  step(): boolean {
    this.options.beforeStep?.();
    let progressed = false;
    if (this.mailbox.length > 0) {
      while (this.mailbox.length > 0) this.mailbox.shift()!();
      progressed = true;
      // Mail (checkpoint triggers, completions, splits, stop) may concern any task.
      this.runnable.activateAll();
    }
    const watch = this.options.watch;
    const queue = this.runnable;
    const tasks = this.tasks;
    if (this.onOperators.size > 0) {
      for (const i of this.onOperators) {
        // Still waiting (on this work or newer): a step would do nothing.
        if (tasks[i]!.waitingOn() !== undefined) continue;
        this.onOperators.delete(i);
        queue.activate(i);
      }
    }
    if (watch === undefined) {
      if (this.scheduler.runDue() > 0) progressed = true;
      queue.beginRound();
      for (let i = queue.next(); i >= 0; i = queue.next()) {
        const worked = tasks[i]!.step(this.bufferTimeoutMs);
        if (worked) progressed = true;
        this.stepped(i, worked);
      }
    } else {
      // Each step runs user code over one batch (and timers run user callbacks): one call each for the CPU budget.
      watch.enter(`processing-time timers of job "${this.graph.jobGraph.streamGraph.jobName}"`);
      try {
        if (this.scheduler.runDue() > 0) progressed = true;
      } finally {
        watch.exit();
      }
      queue.beginRound();
      for (let i = queue.next(); i >= 0; i = queue.next()) {
        const t = tasks[i]!;
        watch.enter(`operator chain "${t.info.vertexName}" (subtask ${t.info.subtaskIndex + 1}/${t.info.parallelism})`);
        let worked: boolean;
        try {
          worked = t.step(this.bufferTimeoutMs);
        } finally {
          watch.exit();
        }
        if (worked) progressed = true;
        this.stepped(i, worked);
      }
    }
    if (this.outboxes.size > 0) for (const o of this.outboxes) o.flush();
    this.options.afterStep?.();
    return progressed;
  }

  /** After task `index` stepped: it stays runnable if it worked, else parks (on its asynchronous work, if any). */
  private stepped(index: number, worked: boolean): void {
    const t = this.tasks[index]!;
    if (!this.finished[index] && t.status === "FINISHED") {
      this.finished[index] = true;
      this.finishedCount++;
    }
    if (this.onOperators.size > 0) this.onOperators.delete(index);
    if (worked) {
      this.runnable.activate(index);
      return;
    }
    const work = t.waitingOn();
    if (work === undefined) return;
    if (t.waitsOnOperators()) this.onOperators.add(index);
    if (work === this.parkedOn[index]) return;
    this.parkedOn[index] = work;
    this.awaiting++;
    work.then(
      () => {
        this.awaiting--;
        if (this.parkedOn[index] === work) this.parkedOn[index] = undefined;
        this.activateAt(index);
      },
      (error: unknown) => {
        // Left as what the task is parked on: it is not waited for again.
        this.awaiting--;
        this.awaitFailure ??= { error };
        this.wake();
      },
    );
  }

  /** Steps until nothing can progress without waiting; returns the number of rounds. */
  runUntilIdle(maxRounds = 1_000_000): number {
    let rounds = 0;
    while (rounds < maxRounds && this.step()) rounds++;
    return rounds;
  }

  /** Whether every hosted task has finished and handed all its output on. */
  isFinished(): boolean {
    if (this.finishedCount < this.tasks.length) return false;
    for (const t of this.tasks) if (t.status !== "FINISHED" || !t.isDrained()) return false;
    for (const o of this.outboxes) if (!o.isEmpty()) return false;
    return true;
  }

  /** Runs to completion (bounded jobs) or until cancelled. Rejects with the failure cause. */
  async run(): Promise<void> {
    let lastYield = performance.now();
    // Data and credits from other TaskManagers arrive as events: a busy executor lets them in
    // often, or its peers wait for credit. Alone in its isolate it yields only for timers and I/O.
    this.yieldEveryMs = this.remoteInputs.size > 0 || this.remoteOutputs.size > 0 ? 1 : 20;
    try {
      // An operator that fails to open fails the attempt like any other failure: what did open is closed.
      await this.open();
      while (this.status === "RUNNING") {
        if (this.isFinished()) {
          if (this.options.onAllFinished !== undefined) {
            const hook = this.options.onAllFinished;
            const done = hook();
            let settled = false;
            void done.then(
              () => (settled = true),
              () => (settled = true),
            );
            // Keep stepping (commits run as task work) until the hook settles.
            while (!settled && this.status === "RUNNING") {
              if (!this.step()) await this.waitForWork(done.catch(() => undefined));
            }
            // Cancelled meanwhile: the final checkpoint is abandoned (the coordinator aborts it
            // once this attempt has ended), not awaited.
            if (this.status !== "RUNNING") break;
            await done;
            // The completion notice (commits) is queued behind the hook: let it run before closing.
            await this.settle();
          }
          if (this.status === "RUNNING") this.status = "FINISHED";
          break;
        }
        const progressed = this.step();
        if (!progressed) {
          await this.waitForWork();
          lastYield = performance.now();
        } else if (this.creditWaits.starved > 0 || performance.now() - lastYield > this.yieldEveryMs) {
          await this.yielder.next();
          lastYield = performance.now();
        }
      }
    } catch (error) {
      this.status = "FAILED";
      this.failureCause = error;
    } finally {
      this.yielder.close();
      for (const cancel of this.cancels) cancel();
      await this.closeAll();
    }
    if (this.status === "FAILED") throw this.failureCause;
  }

  /** Stops the job; `run()` resolves after closing the operators. */
  cancel(): void {
    if (this.status === "RUNNING" || this.status === "CREATED") this.status = "CANCELED";
    this.wake();
  }

  /** Current figures of every hosted subtask, by subtask key. */
  subtaskMetrics(): Map<string, SubtaskMetrics> {
    const out = new Map<string, SubtaskMetrics>();
    // Rates describe the last second of a running job; once it has ended nothing flows.
    const live = this.status === "RUNNING";
    for (const t of this.tasks) {
      t.refreshCounters();
      const m = t.metrics;
      out.set(subtaskKey(t.info.vertexId, t.info.subtaskIndex), {
        subtask: t.info.subtaskIndex,
        busyMsPerSecond: live ? m.busyMsPerSecond : 0,
        backPressuredMsPerSecond: live ? m.backPressuredMsPerSecond : 0,
        idleMsPerSecond: live ? m.idleMsPerSecond : 1000,
        backPressureRatio: live ? m.backPressureRatio() : 0,
        recordsIn: m.recordsIn,
        recordsOut: m.recordsOut,
        recordsInPerSecond: live ? m.recordsInPerSecond : 0,
        recordsOutPerSecond: live ? m.recordsOutPerSecond : 0,
        currentInputWatermark: m.currentInputWatermark,
        currentOutputWatermark: m.currentOutputWatermark,
        counters: t instanceof SourceTask ? t.reader.metrics?.() : undefined,
        busyMs: m.busyMs,
        asyncWaitMs: m.asyncWaitMs,
        noInputMs: m.noInputMsAt(performance.now()),
        backPressuredMs: m.backPressuredMsAt(performance.now()),
        queueWaitedMs: m.queueWaitedMs,
        queueTaken: m.queueTaken,
      });
    }
    return out;
  }

  /** The splits each hosted reader of `vertexId` holds now (readers that describe them). */
  sourceSplits(vertexId: string): { subtask: number; splitId: string; state?: unknown }[] {
    const out: { subtask: number; splitId: string; state?: unknown }[] = [];
    for (const t of this.readers.values()) {
      if (t.info.vertexId !== vertexId) continue;
      for (const s of t.reader.describeSplits?.() ?? []) out.push({ subtask: t.info.subtaskIndex, splitId: s.splitId, ...(s.state !== undefined ? { state: s.state } : {}) });
    }
    return out;
  }

  /**
   * Waits until something may let a task progress: a task was queued (input, credit, settled
   * work it was parked on), mail arrived, the next timer is due, or `also` settled.
   */
  protected async waitForWork(also?: Promise<unknown>): Promise<void> {
    this.rethrowAwaitFailure();
    if (this.runnable.size > 0 || this.mailbox.length > 0) return;
    const waits: Promise<unknown>[] = also === undefined ? [] : [also];
    const due = this.scheduler.nextDue();
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (due !== undefined) {
      const delay = Math.max(0, due - this.options.clock.now());
      waits.push(new Promise<void>((resolve) => (timer = setTimeout(resolve, delay))));
    }
    // Remote data, credits and messages arrive by wake(): waiting for them is not a stall.
    const external = this.remoteInputs.size > 0 || this.remoteOutputs.size > 0 || this.placement !== everything;
    if (waits.length === 0 && this.awaiting === 0 && this.status === "RUNNING" && !external) {
      throw new EddyError("[eddy] the job stalled: no task can progress and nothing is pending", { code: "JOB_STALLED" });
    }
    waits.push(new Promise<void>((resolve) => (this.wakeUp = resolve)));
    try {
      await Promise.race(waits);
    } finally {
      this.wakeUp = undefined;
      if (timer !== undefined) clearTimeout(timer);
    }
    this.rethrowAwaitFailure();
  }

  private rethrowAwaitFailure(): void {
    if (this.awaitFailure !== undefined) throw this.awaitFailure.error;
  }

  /** Runs queued mailbox actions and waits for the tasks' asynchronous work (commits) to finish. */
  private async settle(): Promise<void> {
    for (;;) {
      const progressed = this.step();
      const blockers = this.tasks.map((t) => t.blockedOn()).filter((b): b is Promise<void> => b !== undefined);
      if (blockers.length > 0) await Promise.all(blockers);
      else if (!progressed) return;
    }
  }

  protected async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const t of this.tasks) {
      try {
        await t.blockedOn();
      } catch (e) {
        errors.push(e);
      }
    }
    for (const t of this.tasks) {
      for (const h of t.hosts) {
        try {
          await h.close();
        } catch (e) {
          errors.push(e);
        }
      }
      if (t instanceof SourceTask) {
        try {
          await (t as SourceTask<unknown>).reader.close?.();
        } catch (e) {
          errors.push(e);
        }
      }
    }
    errors.push(...(await this.closeMore()));
    if (errors.length > 0 && this.status !== "FAILED") {
      this.status = "FAILED";
      this.failureCause = errors[0];
    }
  }

  /** Subclasses close what they hold beyond tasks (split enumerators); returns the errors. */
  protected async closeMore(): Promise<unknown[]> {
    return [];
  }

  /** Names the operators at both ends of a channel (`<node>-><node>:...`), for errors. */
  describeChannel(channelKey: string): string {
    const m = /^(\d+)->(\d+):/.exec(channelKey);
    if (m === null) return `channel ${channelKey}`;
    const sg = this.graph.jobGraph.streamGraph;
    return `operator "${sg.node(Number(m[1])).name}" to "${sg.node(Number(m[2])).name}"`;
  }

  private build(): void {
    const { jobGraph } = this.graph;
    const { batchSize, channelCapacity } = this.options;
    const place = this.placement;
    // Output channels per (edge, upstream subtask), and input channels per downstream subtask;
    // a channel exists here when either end is hosted here.
    const writerChannels = new Map<JobEdge, (OutputChannel | undefined)[][]>();
    const inputChannels = new Map<string, InputChannel[][]>();
    for (const v of jobGraph.vertices) inputChannels.set(v.id, Array.from({ length: v.parallelism }, () => []));
    const consumerIndex = new Map<string, number>();
    // A credit takes a round trip between isolates: more batches in flight keep the sender busy.
    const remoteCapacity = Math.max(channelCapacity, REMOTE_CHANNEL_MIN_CAPACITY);
    for (const v of jobGraph.vertices) {
      for (const edge of v.outputs) {
        const down = jobGraph.vertex(edge.targetVertex);
        const perUpstream: (OutputChannel | undefined)[][] = [];
        for (let i = 0; i < v.parallelism; i++) {
          // Global connects every pair (as Flink) and sends records to subtask 0 only: the others
          // still receive watermarks and end-of-data.
          const targets =
            edge.partitioner.kind === "forward" || edge.partitioner.kind === "rescale"
              ? pointwiseTargets(i, v.parallelism, down.parallelism)
              : Array.from({ length: down.parallelism }, (_, j) => j);
          const upHere = place.hosts(v.id, i);
          perUpstream.push(
            targets.map((j) => {
              const downKey = subtaskKey(down.id, j);
              const index = consumerIndex.get(downKey) ?? 0;
              consumerIndex.set(downKey, index + 1);
              const downHere = place.hosts(down.id, j);
              const key = `${edge.sourceNode}->${edge.targetNode}:${edge.input}:${edge.sideOutputTag ?? ""}:${i}->${j}`;
              if (!upHere && !downHere) return undefined;
              let input: InputChannel | undefined;
              let output: OutputChannel | undefined;
              if (upHere && downHere) {
                const channel = new Channel(key, channelCapacity, index, edge.input);
                input = channel;
                output = channel;
              } else if (upHere) {
                const outbox = place.outbox(down.id, j);
                this.outboxes.add(outbox);
                const remote = new RemoteOutputChannel(key, outbox, remoteCapacity, this.creditWaits);
                this.remoteOutputs.set(key, remote);
                output = remote;
              } else {
                const outbox = place.outbox(v.id, i);
                this.outboxes.add(outbox);
                const remote = new RemoteInputChannel(key, remoteCapacity, index, edge.input, outbox);
                this.remoteInputs.set(key, remote);
                input = remote;
              }
              if (input !== undefined) {
                // In-flight data of an unaligned checkpoint is replayed at the receiving end.
                for (const item of this.restored?.channels.get(key) ?? []) (input as Channel).push(item);
                inputChannels.get(down.id)![j]!.push(input);
              }
              return output;
            }),
          );
        }
        writerChannels.set(edge, perUpstream);
      }
    }
    for (const v of jobGraph.vertices) {
      const tasks: Task[] = [];
      for (let i = 0; i < v.parallelism; i++) {
        if (!place.hosts(v.id, i)) continue;
        const inputs = inputChannels.get(v.id)![i]!.sort((a, b) => a.consumerIndex - b.consumerIndex);
        tasks.push(this.buildTask(v, i, writerChannels, inputs, this.tasks.length + tasks.length));
      }
      this.tasksByVertex.set(v.id, tasks);
      this.tasks.push(...tasks);
    }
  }

  private buildTask(v: JobVertex, index: number, writerChannels: Map<JobEdge, (OutputChannel | undefined)[][]>, inputs: InputChannel[], slot: number): Task {
    const { jobGraph } = this.graph;
    // What may let this task progress queues it: input arriving, credit coming back, its timers.
    const activate = (): void => this.activateAt(slot);
    for (const c of inputs) c.onArrival = activate;
    const processingTime = this.scheduler.forSubtask(activate);
    const sg = jobGraph.streamGraph;
    const metrics = new TaskMetrics();
    const info = { vertexId: v.id, vertexName: v.name, subtaskIndex: index, parallelism: v.parallelism };
    const writers: RecordWriter[] = [];
    const writerFor = new Map<string, RecordWriter>();
    for (const edge of v.outputs) {
      const channels = writerChannels.get(edge)![index]! as OutputChannel[];
      for (const c of channels) c.onCredit = activate;
      const down = jobGraph.vertex(edge.targetVertex);
      const selector = createChannelSelector(edge, index, channels.length, down.maxParallelism, sg.node(edge.targetNode).name);
      const writer = new RecordWriter(channels, selector, this.options.batchSize);
      writers.push(writer);
      writerFor.set(`${edge.sourceNode}->${edge.targetNode}:${edge.input}:${edge.sideOutputTag ?? ""}`, writer);
    }
    const hostOf = new Map<number, OperatorHost<any, any>>();
    const outputOf = new Map<number, ChainOutput<unknown>>();
    const isLast = (nodeId: number): boolean => sg.node(nodeId).outEdges.every((e) => !v.nodeIds.includes(e.target) || jobGraph.vertexOfNode.get(e.target) !== v);
    for (const nodeId of [...v.nodeIds].reverse()) {
      const node = sg.node(nodeId);
      const main: RecordTarget[] = [];
      const sides = new Map<string, RecordTarget[]>();
      for (const e of node.outEdges) {
        const chainedHost = jobGraph.chainedEdges.some((c) => c.source === e.source && c.target === e.target) ? hostOf.get(e.target) : undefined;
        const target: RecordTarget | undefined = chainedHost ?? writerFor.get(`${e.source}->${e.target}:${e.input}:${e.sideOutputTag ?? ""}`);
        if (target === undefined) continue;
        if (e.sideOutputTag === undefined) main.push(target);
        else {
          const list = sides.get(e.sideOutputTag) ?? [];
          list.push(target);
          sides.set(e.sideOutputTag, list);
        }
      }
      const trackWatermark = isLast(nodeId) ? (wm: number) => (metrics.currentOutputWatermark = wm) : undefined;
      const output = new ChainOutput<unknown>(main, sides, trackWatermark, this.options.batchSize);
      outputOf.set(nodeId, output);
      if (node.kind === "source") continue;
      const next = main.length === 1 && sides.size === 0 ? main[0] : undefined;
      const nextInChain = next instanceof OperatorHost && next.keyedBackend === undefined ? (next.operator as StreamOperator<unknown, unknown>) : undefined;
      const host = new OperatorHost({
        operator: node.operatorFactory!(),
        nextInChain,
        checkpointIntervalMs: this.options.checkpointIntervalMs,
        attemptNumber: this.options.attempt ?? 0,
        watch: this.options.watch,
        results: this.options.results?.(nodeId),
        name: node.name,
        id: jobGraph.operatorIds.get(nodeId)!,
        subtaskIndex: index,
        parallelism: v.parallelism,
        maxParallelism: v.maxParallelism,
        output,
        processingTime,
        keySelectors: node.keySelectors,
      });
      hostOf.set(nodeId, host);
    }
    const hosts = v.nodeIds.filter((id) => hostOf.has(id)).map((id) => hostOf.get(id)!);
    if (v.isSource) {
      const node = sg.node(v.nodeIds[0]!);
      const downstream = outputOf.get(node.id)!;
      const reader = node.source!.source.createReader({
        subtaskIndex: index,
        parallelism: v.parallelism,
        sendSplitRequest: () => this.enumerators.splitRequest(v.id, index),
        currentTime: () => this.options.clock.now(),
      });
      let task: SourceTask<unknown> | undefined;
      const output = new SourceOutput<unknown>(node.source!.watermarkStrategy, this.options.clock, downstream, (idle) => task?.emitStatus(idle));
      task = new SourceTask(info, hosts, writers, metrics, reader, output, this.options.batchSize, this.options.clock);
      this.readers.set(subtaskKey(v.id, index), task);
      return task;
    }
    const head = hostOf.get(v.nodeIds[0]!)!;
    const gate = new InputGate(inputs);
    let task: StreamTask | undefined;
    const valve = new StatusWatermarkValve(inputs.length, {
      emitWatermark: (wm) => task!.onInputWatermark(wm),
      emitWatermarkStatus: (idle) => task!.emitStatus(idle),
    });
    task = new StreamTask(info, hosts, writers, metrics, gate, valve, head);
    return task;
  }
}

/**
 * Lets timers, I/O and messages run: a macrotask, not a microtask. `setImmediate` (Node, Deno,
 * Bun) runs right after the event loop has polled for I/O, unclamped. Elsewhere a MessageChannel
 * message runs at once where setTimeout(0) is clamped (to 4 ms after nesting in browsers); but a
 * port may deliver many messages in one go (Node's delivers up to 1000 before it looks at I/O
 * again), so at least every `FULL_TURN_MS` a yield takes a setTimeout instead, a whole turn of
 * the event loop. One channel serves an executor's whole life (creating one per yield costs more
 * than the yield); it is closed when the executor ends, so it keeps no process alive.
 */
class EventLoopYield {
  private channel: MessageChannel | undefined;
  private resolve: (() => void) | undefined;
  private lastFullTurn = 0;

  next(): Promise<void> {
    const now = performance.now();
    if (now - this.lastFullTurn > FULL_TURN_MS) {
      this.lastFullTurn = now;
      return new Promise((resolve) => setTimeout(resolve, 0));
    }
    const g = globalThis as { setImmediate?: (f: () => void) => unknown };
    if (typeof g.setImmediate === "function") return new Promise((resolve) => g.setImmediate!(resolve));
    if (typeof MessageChannel !== "function") return new Promise((resolve) => setTimeout(resolve, 0));
    if (this.channel === undefined) {
      const channel = new MessageChannel();
      channel.port1.addEventListener("message", () => {
        const r = this.resolve;
        this.resolve = undefined;
        r?.();
      });
      channel.port1.start();
      this.channel = channel;
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.channel!.port2.postMessage(undefined);
    });
  }

  close(): void {
    this.channel?.port1.close();
    this.channel?.port2.close();
    this.channel = undefined;
  }
}

/** Where yields go through a MessageChannel, a whole event-loop turn at least this often, ms. */
const FULL_TURN_MS = 10;
