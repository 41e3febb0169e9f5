/**
 * One job attempt on TaskManagers in other isolates, driven from the JobManager: slots are
 * allocated (subtask i of every vertex in slot i), each TaskManager gets its share, split
 * enumerators stay here and talk to readers by messages, checkpoints are triggered, acknowledged
 * and completed by messages, and a TaskManager that fails or is lost fails the attempt (the job
 * master then applies the restart strategy).
 */
import { EddyError } from "../errors.ts";
import type { SourceSplit, SplitEnumerator, SplitEnumeratorContext } from "../connectors/source.ts";
import { isResultSink } from "../connectors/sink.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobMetrics, SubtaskMetrics } from "../metrics/job-metrics.ts";
import { assembleJobMetrics } from "../runtime/executor.ts";
import type { JobExecution } from "../runtime/job-execution.ts";
import { ProcessingTimeScheduler } from "../runtime/processing-time-scheduler.ts";
import { executionKey } from "../runtime/remote-channel.ts";
import type { BarrierOptions } from "../runtime/stream-element.ts";
import { type ExecutorOptions, type ExecutorStatus, subtaskKey, parseSubtaskKey } from "../runtime/task-executor.ts";
import type { EnvironmentSettings, JobManagerMessage, JobReference, SerializedError, TaskDeployment, TaskManagerMessage } from "../runtime/task-manager.ts";
import type { TaskSnapshot } from "../checkpoint/types.ts";
import type { Cluster } from "./cluster.ts";
import { jobFingerprint } from "./fingerprint.ts";

/** What the TaskManagers need to build the job themselves. */
export interface ClusterJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly reference: JobReference;
  readonly environment: EnvironmentSettings;
  readonly collect: boolean;
  /** CPU budget of one call into user code, ms (0: none). */
  readonly userCodeBudgetMs: number;
}

/** How long TaskManagers get to close an attempt that failed or was cancelled before it is given up. */
const CLOSE_TIMEOUT_MS = 10_000;

interface SourceCoordinator {
  readonly enumerator: SplitEnumerator<SourceSplit, unknown>;
  readonly registered: Set<number>;
}

/** Rebuilds an error that crossed isolates: Eddy's errors keep their code, domain, operator and retry hint. */
export function deserializeError(e: SerializedError): Error {
  if (e.code !== undefined) {
    const error = new EddyError(e.message, { code: e.code, domain: e.domain, operator: e.operator, retryable: e.retryable });
    if (e.stack !== undefined) error.stack = e.stack;
    return error;
  }
  const error = new Error(e.message);
  error.name = e.name;
  if (e.stack !== undefined) error.stack = e.stack;
  return error;
}

/** One job attempt on a cluster. */
export class ClusterExecution implements JobExecution {
  readonly scheduler: ProcessingTimeScheduler;
  status: ExecutorStatus = "CREATED";
  failureCause: unknown;
  onAcknowledge: ((checkpointId: number, snapshot: TaskSnapshot) => void) | undefined;
  private readonly execution: string;
  private readonly coordinators = new Map<string, SourceCoordinator>();
  private readonly mailbox: (() => void)[] = [];
  private wakeUp: (() => void) | undefined;
  private placement: Record<string, string> = {};
  private taskManagersInUse: string[] = [];
  private readonly finished = new Set<string>();
  private readonly closed = new Set<string>();
  private readonly closeErrors: Error[] = [];
  private readonly latest = new Map<string, SubtaskMetrics>();
  private readonly splits = new Map<string, readonly { subtask: number; splitId: string; state?: unknown }[]>();
  private released = false;
  private unsubscribe: (() => void) | undefined;
  /** Enumerator callbacks scheduled on the JobManager's timers (discovery loops). */
  private readonly timers: (() => void)[] = [];

  constructor(
    readonly graph: ExecutionGraph,
    private readonly options: ExecutorOptions,
    private readonly cluster: Cluster,
    private readonly job: ClusterJob,
  ) {
    this.scheduler = new ProcessingTimeScheduler(options.clock);
    this.execution = executionKey(job.jobId, options.attempt ?? 0);
    const restored = options.restore?.checkpoint.enumerators;
    for (const v of graph.jobGraph.vertices) {
      if (!v.isSource) continue;
      const registered = new Set<number>();
      const source = graph.jobGraph.streamGraph.node(v.nodeIds[0]!).source!.source;
      const ctx: SplitEnumeratorContext<SourceSplit> = {
        parallelism: v.parallelism,
        registeredReaders: () => [...registered],
        assignSplits: (assignment) => {
          for (const [subtask, list] of assignment) this.toSubtask(v.id, subtask, { type: "add-splits", execution: this.execution, subtask: subtaskKey(v.id, subtask), splits: list });
        },
        signalNoMoreSplits: (subtask) => this.toSubtask(v.id, subtask, { type: "no-more-splits", execution: this.execution, subtask: subtaskKey(v.id, subtask) }),
        callAsync: (task, handler, initialDelayMs, periodMs) => this.callAsync(task, handler, initialDelayMs, periodMs),
        currentTime: () => options.clock.now(),
      };
      this.coordinators.set(v.id, { enumerator: source.createEnumerator(ctx, restored?.[v.id]), registered });
    }
  }

  taskKeys(): string[] {
    const keys: string[] = [];
    for (const v of this.graph.jobGraph.vertices) for (let i = 0; i < v.parallelism; i++) keys.push(subtaskKey(v.id, i));
    return keys;
  }

  taskManagerOf(vertexId: string, subtaskIndex: number): string {
    return this.placement[subtaskKey(vertexId, subtaskIndex)] ?? "";
  }

  triggerCheckpoint(checkpointId: number, timestamp: number, options: BarrierOptions, stop: { drain: boolean } | undefined, onEnumeratorState: (state: Record<string, unknown>) => void): void {
    this.post(() => {
      // Assignments sent before the trigger reach each reader before the barrier: the
      // enumerators' state and the readers' describe the same moment.
      const state: Record<string, unknown> = {};
      for (const [id, c] of this.coordinators) state[id] = c.enumerator.snapshotState(checkpointId);
      onEnumeratorState(state);
      this.broadcast({ type: "trigger-checkpoint", execution: this.execution, checkpointId, timestamp, options, stop });
    });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.post(() => {
      this.broadcast({ type: "checkpoint-complete", execution: this.execution, checkpointId });
      for (const c of this.coordinators.values()) c.enumerator.notifyCheckpointComplete?.(checkpointId);
    });
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.post(() => this.broadcast({ type: "checkpoint-aborted", execution: this.execution, checkpointId }));
  }

  switchToUnaligned(checkpointId: number): void {
    this.post(() => this.broadcast({ type: "switch-to-unaligned", execution: this.execution, checkpointId }));
  }

  setSourceRate(vertexId: string, rate: number | undefined): void {
    const tms = new Set<string>();
    const v = this.graph.jobGraph.vertex(vertexId);
    for (let i = 0; i < v.parallelism; i++) {
      const tm = this.placement[subtaskKey(vertexId, i)];
      if (tm !== undefined) tms.add(tm);
    }
    for (const tm of tms) if (!this.closed.has(tm)) this.send(tm, { type: "set-rate", execution: this.execution, vertexId, rate: rate ?? null });
  }

  finishSources(): void {
    this.post(() => this.broadcast({ type: "finish-sources", execution: this.execution }));
  }

  post(action: () => void): void {
    this.mailbox.push(action);
    this.wake();
  }

  sourceEnumerator(vertexId: string): SplitEnumerator<SourceSplit, unknown> | undefined {
    return this.coordinators.get(vertexId)?.enumerator;
  }

  sourceSplits(vertexId: string): { subtask: number; splitId: string; state?: unknown }[] {
    return [...(this.splits.get(vertexId) ?? [])];
  }

  metrics(): JobMetrics {
    return assembleJobMetrics(this.graph, this.latest, this.status === "RUNNING");
  }

  cancel(): void {
    if (this.status === "RUNNING" || this.status === "CREATED") this.status = "CANCELED";
    this.wake();
  }

  async run(): Promise<void> {
    this.status = "RUNNING";
    try {
      this.deploy();
      for (const c of this.coordinators.values()) await c.enumerator.start();
      await this.loop();
    } catch (error) {
      if (this.status === "RUNNING") {
        this.status = "FAILED";
        this.failureCause = error;
      }
    }
    await this.shutDown();
    if (this.status === "FAILED") throw this.failureCause;
  }

  private deploy(): void {
    const { jobGraph } = this.graph;
    const slots = this.graph.slots;
    const slotOwners = this.cluster.allocate(this.execution, slots);
    const perTaskManager = new Map<string, string[]>();
    for (const v of jobGraph.vertices) {
      for (let i = 0; i < v.parallelism; i++) {
        const tm = slotOwners[i]!;
        const key = subtaskKey(v.id, i);
        this.placement[key] = tm;
        let list = perTaskManager.get(tm);
        if (list === undefined) perTaskManager.set(tm, (list = []));
        list.push(key);
      }
    }
    this.taskManagersInUse = [...perTaskManager.keys()];
    this.unsubscribe = this.cluster.subscribe(this.execution, {
      message: (from, message) => this.post(() => this.onMessage(from, message)),
      lost: (tm, error) => {
        if (this.taskManagersInUse.includes(tm)) this.post(() => this.onLost(tm, error));
      },
    });
    const fingerprint = jobFingerprint(jobGraph);
    const restore = this.options.restore;
    for (const [tm, subtasks] of perTaskManager) {
      const deployment: TaskDeployment = {
        jobId: this.job.jobId,
        jobName: this.job.jobName,
        attempt: this.options.attempt ?? 0,
        job: this.job.reference,
        environment: this.job.environment,
        collect: this.job.collect,
        fingerprint,
        subtasks,
        placement: this.placement,
        ...(restore !== undefined ? { restore: { checkpoint: restore.checkpoint, allowNonRestoredState: restore.allowNonRestoredState } } : {}),
        checkpointIntervalMs: this.options.checkpointIntervalMs,
        metricsIntervalMs: this.options.metricsIntervalMs,
        userCodeBudgetMs: this.job.userCodeBudgetMs,
      };
      this.cluster.send(tm, { type: "deploy", execution: this.execution, deployment });
    }
  }

  /** Runs mailbox actions and timers until every TaskManager has finished (or the attempt ends otherwise). */
  private async loop(): Promise<void> {
    for (;;) {
      this.drain();
      if (this.status !== "RUNNING") return;
      if (this.finished.size === this.taskManagersInUse.length) break;
      await this.waitForWork();
    }
    // Every subtask finished: the final checkpoint (two-phase-commit sinks commit the rest).
    const hook = this.options.onAllFinished;
    if (hook !== undefined) {
      let settled = false;
      const done = hook().finally(() => (settled = true));
      while (!settled && this.status === "RUNNING") {
        this.drain();
        if (!settled && this.status === "RUNNING") await this.waitForWork(done.catch(() => undefined));
      }
      if (this.status !== "RUNNING") return;
      await done;
      this.drain();
    }
    this.released = true;
    this.broadcast({ type: "release", execution: this.execution });
    while (this.closed.size < this.taskManagersInUse.length && this.status === "RUNNING") {
      this.drain();
      if (this.closed.size < this.taskManagersInUse.length && this.status === "RUNNING") await this.waitForWork();
    }
    if (this.status !== "RUNNING") return;
    if (this.closeErrors.length > 0) throw this.closeErrors[0];
    this.status = "FINISHED";
  }

  private drain(): void {
    while (this.mailbox.length > 0) this.mailbox.shift()!();
    this.scheduler.runDue();
  }

  private onMessage(from: string, message: JobManagerMessage): void {
    switch (message.type) {
      case "acknowledge":
        this.onAcknowledge?.(message.checkpointId, message.snapshot);
        break;
      case "reader-started": {
        const [vertexId, index] = parseSubtaskKey(message.subtask);
        const c = this.coordinators.get(vertexId);
        if (c === undefined) break;
        c.registered.add(index);
        c.enumerator.addReader(index);
        break;
      }
      case "split-request": {
        const [vertexId, index] = parseSubtaskKey(message.subtask);
        this.coordinators.get(vertexId)?.enumerator.handleSplitRequest?.(index);
        break;
      }
      case "finished":
        this.finished.add(from);
        break;
      case "failed":
        this.fail(deserializeError(message.error));
        break;
      case "closed":
        this.closed.add(from);
        if (message.error !== undefined) this.closeErrors.push(deserializeError(message.error));
        break;
      case "metrics":
        for (const [key, m] of Object.entries(message.subtasks)) this.latest.set(key, m);
        for (const [vertexId, list] of Object.entries(message.splits)) {
          const others = (this.splits.get(vertexId) ?? []).filter((s) => !list.some((x) => x.subtask === s.subtask) && this.placement[subtaskKey(vertexId, s.subtask)] !== from);
          this.splits.set(vertexId, [...others, ...list]);
        }
        break;
      case "results": {
        const sink = this.graph.jobGraph.streamGraph.nodes.get(message.node)?.sink;
        if (isResultSink(sink)) sink.accept(message.values);
        break;
      }
    }
  }

  private onLost(tm: string, error: EddyError): void {
    this.closed.add(tm);
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.status !== "RUNNING") return;
    this.status = "FAILED";
    this.failureCause = error;
  }

  /** Tells every TaskManager still up to cancel (unless released) and waits for them to close. */
  private async shutDown(): Promise<void> {
    for (const cancel of this.timers) cancel();
    if (!this.released || this.status !== "FINISHED") {
      for (const tm of this.taskManagersInUse) if (!this.closed.has(tm)) this.send(tm, { type: "cancel", execution: this.execution });
      const deadline = Date.now() + CLOSE_TIMEOUT_MS;
      while (this.closed.size < this.taskManagersInUse.length && Date.now() < deadline) {
        this.drain();
        if (this.closed.size < this.taskManagersInUse.length) await this.waitForWork(new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))));
      }
    }
    this.unsubscribe?.();
    this.cluster.release(this.execution);
    for (const c of this.coordinators.values()) {
      try {
        await c.enumerator.close?.();
      } catch (error) {
        if (this.status === "FINISHED") {
          this.status = "FAILED";
          this.failureCause = error;
        }
      }
    }
  }

  private callAsync<R>(task: () => Promise<R>, handler: (result: R | undefined, error: unknown) => void, initialDelayMs: number, periodMs: number): void {
    const run = (): void => {
      if (this.status !== "RUNNING") return;
      task().then(
        (result) => this.post(() => handler(result, undefined)),
        (error) => this.post(() => handler(undefined, error)),
      ).finally(() => {
        if (periodMs > 0 && this.status === "RUNNING") this.timers.push(this.scheduler.scheduleAt(this.options.clock.now() + periodMs, run));
      });
    };
    this.timers.push(this.scheduler.scheduleAt(this.options.clock.now() + initialDelayMs, run));
  }

  private toSubtask(vertexId: string, subtask: number, message: TaskManagerMessage): void {
    const tm = this.placement[subtaskKey(vertexId, subtask)];
    if (tm !== undefined) this.send(tm, message);
  }

  private broadcast(message: TaskManagerMessage): void {
    for (const tm of this.taskManagersInUse) if (!this.closed.has(tm)) this.send(tm, message);
  }

  private send(tm: string, message: TaskManagerMessage): void {
    try {
      this.cluster.send(tm, message);
    } catch (error) {
      this.fail(error);
    }
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async waitForWork(also?: Promise<unknown>): Promise<void> {
    if (this.mailbox.length > 0) return;
    const waits: Promise<unknown>[] = also === undefined ? [] : [also];
    const due = this.scheduler.nextDue();
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (due !== undefined) waits.push(new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, due - this.options.clock.now())))));
    waits.push(new Promise<void>((resolve) => (this.wakeUp = resolve)));
    try {
      await Promise.race(waits);
    } finally {
      this.wakeUp = undefined;
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
