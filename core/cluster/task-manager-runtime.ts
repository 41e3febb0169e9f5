/**
 * A TaskManager's side of the contract: it receives deployments and control messages, builds
 * its share of each job attempt itself (the job's module, run in this isolate), runs it on a
 * TaskExecutor with remote channels to the other TaskManagers, and reports acknowledgements,
 * metrics, results, completion and failures to the JobManager. Transport-free: the isolate
 * hosting it (a worker thread, a Web Worker, a Durable Object) passes messages in and out.
 */
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { Clock } from "../time/types.ts";
import { SystemClock } from "../time/clocks.ts";
import type { ResultOutbox } from "../connectors/sink.ts";
import { type DataBundle, type DataLink, Outbox } from "../runtime/remote-channel.ts";
import { TaskExecutor, subtaskKey, parseSubtaskKey } from "../runtime/task-executor.ts";
import { type JobManagerMessage, type TaskDeployment, type TaskManagerMessage, serializeError } from "../runtime/task-manager.ts";
import type { UserCodeWatch } from "../runtime/user-code-watch.ts";

/** What the isolate hosting a TaskManager provides. */
export interface TaskManagerHost {
  readonly id: string;
  /** Sends to the JobManager. */
  send(message: JobManagerMessage): void;
  /** The data link to another TaskManager. */
  link(taskManager: string): DataLink;
  /** Builds a deployment's job graph in this isolate (the job's module and builder). */
  build(deployment: TaskDeployment): Promise<ExecutionGraph>;
  /** Takes in data waiting from other TaskManagers now (between steps), where the transport can. */
  poll?(): void;
  /** Marks user code against a budget per call (absent: no budgets). */
  watch?(budgetMs: number): UserCodeWatch | undefined;
  /**
   * Runs an attempt's executor to its end (default `executor.run()`, a loop that waits for work).
   * A host whose isolate lives only while it handles an event (a Durable Object) steps it in
   * bounded slices from its alarms instead.
   */
  drive?(executor: TaskExecutor): Promise<void>;
  readonly clock?: Clock;
}

interface Deployed {
  readonly deployment: TaskDeployment;
  /** Messages that arrived while the job was being built, applied in order once it is. */
  readonly waiting: (TaskManagerMessage | DataBundle)[];
  executor: TaskExecutor | undefined;
  release: (() => void) | undefined;
  cancelled: boolean;
  stopMetrics: (() => void) | undefined;
}

/** Buffers a result sink's records and sends them to the JobManager after each step. */
class ResultsToJobManager implements ResultOutbox {
  private values: unknown[] = [];
  constructor(private readonly send: (values: unknown[]) => void) {}
  add(value: unknown): void {
    this.values.push(value);
  }
  flush(): void {
    if (this.values.length === 0) return;
    const values = this.values;
    this.values = [];
    this.send(values);
  }
}

/** Runs the job attempts deployed to this TaskManager. */
export class TaskManagerRuntime {
  private readonly executions = new Map<string, Deployed>();
  /**
   * Data of job attempts not deployed here yet. Deployments come from the JobManager and data
   * straight from other TaskManagers, so a peer that deployed first (a restored source emits at
   * once) may send before this TaskManager hears of the attempt; dropping it would lose records.
   * Credits bound it: a sender gets no more until this side consumes.
   */
  private readonly early = new Map<string, DataBundle[]>();
  /** Attempts that ended here, newest last: their late data is dropped, not kept as early. */
  private readonly ended = new Set<string>();

  constructor(private readonly host: TaskManagerHost) {}

  /** Job attempts running here. */
  get running(): number {
    return this.executions.size;
  }

  /** A control message from the JobManager. */
  receive(message: TaskManagerMessage): void {
    if (message.type === "deploy") {
      this.deploy(message.execution, message.deployment);
      return;
    }
    const d = this.executions.get(message.execution);
    if (d === undefined) {
      // Already over (or never here): a cancel still deserves its answer.
      if (message.type === "cancel") {
        this.end(message.execution);
        this.host.send({ type: "closed", execution: message.execution });
      }
      return;
    }
    if (d.executor === undefined) {
      if (message.type === "cancel") d.cancelled = true;
      d.waiting.push(message);
      return;
    }
    this.apply(d, d.executor, message);
  }

  /** Data from another TaskManager. */
  receiveData(bundle: DataBundle): void {
    const d = this.executions.get(bundle.execution);
    if (d === undefined) {
      if (this.ended.has(bundle.execution)) return;
      let early = this.early.get(bundle.execution);
      if (early === undefined) this.early.set(bundle.execution, (early = []));
      early.push(bundle);
      return;
    }
    if (d.executor === undefined) d.waiting.push(bundle);
    else d.executor.deliver(bundle);
  }

  private deploy(execution: string, deployment: TaskDeployment): void {
    const early = this.early.get(execution) ?? [];
    this.early.delete(execution);
    // Data of the job's earlier attempts that never deployed here will never be wanted.
    const job = execution.slice(0, execution.lastIndexOf("/") + 1);
    for (const key of [...this.early.keys()]) if (key.startsWith(job)) this.end(key);
    const d: Deployed = { deployment, waiting: early, executor: undefined, release: undefined, cancelled: false, stopMetrics: undefined };
    this.executions.set(execution, d);
    void this.start(execution, d);
  }

  /** Forgets an attempt: its early data goes, and data arriving later is dropped. */
  private end(execution: string): void {
    this.early.delete(execution);
    this.ended.add(execution);
    // Late data comes within moments of the end: the most recent attempts are enough to remember.
    if (this.ended.size > 1_000) this.ended.delete(this.ended.values().next().value!);
  }

  private async start(execution: string, d: Deployed): Promise<void> {
    const { deployment } = d;
    let executor: TaskExecutor;
    try {
      const graph = await this.host.build(deployment);
      executor = this.executorFor(execution, d, graph);
    } catch (error) {
      this.executions.delete(execution);
      this.end(execution);
      this.host.send({ type: "failed", execution, error: serializeError(error) });
      this.host.send({ type: "closed", execution });
      return;
    }
    d.executor = executor;
    for (const item of d.waiting.splice(0)) {
      if ((item as DataBundle).messages !== undefined) executor.deliver(item as DataBundle);
      else this.apply(d, executor, item as TaskManagerMessage);
    }
    const interval = deployment.metricsIntervalMs;
    const report = (): void => this.reportMetrics(execution, executor);
    const timer = setInterval(report, interval);
    d.stopMetrics = () => clearInterval(timer);
    let error: unknown;
    try {
      await (this.host.drive?.(executor) ?? executor.run());
    } catch (e) {
      error = e;
    }
    d.stopMetrics();
    report();
    this.executions.delete(execution);
    this.end(execution);
    if (error !== undefined && executor.status === "FAILED") {
      this.host.send({ type: "failed", execution, error: serializeError(error) });
      this.host.send({ type: "closed", execution });
    } else {
      this.host.send({ type: "closed", execution, ...(error !== undefined ? { error: serializeError(error) } : {}) });
    }
  }

  private executorFor(execution: string, d: Deployed, graph: ExecutionGraph): TaskExecutor {
    const { deployment } = d;
    const host = this.host;
    const hosted = new Set(deployment.subtasks);
    const outboxes = new Map<string, Outbox>();
    const results: ResultsToJobManager[] = [];
    let executor: TaskExecutor | undefined;
    const describe = (key: string): string => executor?.describeChannel(key) ?? key;
    const settings = deployment.environment;
    executor = new TaskExecutor(
      graph,
      {
        clock: this.host.clock ?? new SystemClock(),
        batchSize: settings.batchSize,
        channelCapacity: settings.channelCapacity,
        autoWatermarkInterval: settings.autoWatermarkInterval,
        bufferTimeoutMs: settings.bufferTimeoutMs,
        metricsIntervalMs: deployment.metricsIntervalMs,
        attempt: deployment.attempt,
        ...(deployment.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: deployment.checkpointIntervalMs } : {}),
        ...(deployment.restore !== undefined ? { restore: deployment.restore } : {}),
        ...(deployment.userCodeBudgetMs > 0 && host.watch !== undefined ? { watch: host.watch(deployment.userCodeBudgetMs) } : {}),
        results: (node) => {
          const r = new ResultsToJobManager((values) => host.send({ type: "results", execution, node, values }));
          results.push(r);
          return r;
        },
        afterStep: () => {
          for (const r of results) r.flush();
        },
        ...(host.poll !== undefined ? { beforeStep: host.poll } : {}),
        onAllFinished: () =>
          new Promise<void>((resolve) => {
            d.release = resolve;
            host.send({ type: "finished", execution });
          }),
      },
      {
        readerStarted: (vertexId, subtask) => host.send({ type: "reader-started", execution, subtask: subtaskKey(vertexId, subtask) }),
        splitRequest: (vertexId, subtask) => host.send({ type: "split-request", execution, subtask: subtaskKey(vertexId, subtask) }),
      },
      {
        hosts: (vertexId, subtask) => hosted.has(subtaskKey(vertexId, subtask)),
        outbox: (vertexId, subtask) => {
          const tm = deployment.placement[subtaskKey(vertexId, subtask)]!;
          let outbox = outboxes.get(tm);
          if (outbox === undefined) outboxes.set(tm, (outbox = new Outbox(execution, host.link(tm), describe)));
          return outbox;
        },
      },
    );
    executor.onAcknowledge = (checkpointId, snapshot) => host.send({ type: "acknowledge", execution, checkpointId, snapshot });
    if (d.cancelled) executor.cancel();
    return executor;
  }

  private apply(d: Deployed, executor: TaskExecutor, message: TaskManagerMessage): void {
    switch (message.type) {
      case "trigger-checkpoint":
        executor.triggerCheckpoint(message.checkpointId, message.timestamp, message.options, message.stop);
        break;
      case "checkpoint-complete":
        executor.notifyCheckpointComplete(message.checkpointId);
        break;
      case "checkpoint-aborted":
        executor.notifyCheckpointAborted(message.checkpointId);
        break;
      case "switch-to-unaligned":
        executor.switchToUnaligned(message.checkpointId);
        break;
      case "finish-sources":
        executor.finishSources();
        break;
      case "set-rate":
        executor.setSourceRate(message.vertexId, message.rate ?? undefined);
        break;
      // Through the mailbox, as Flink's AddSplitEvent: behind a checkpoint trigger that arrived
      // first, so a reader's snapshot never holds splits the enumerator's (taken before the
      // trigger was sent) still has to assign; a restore would otherwise read them twice.
      case "add-splits": {
        const [vertexId, index] = parseSubtaskKey(message.subtask);
        executor.post(() => executor.addSplits(vertexId, index, message.splits as never[]));
        break;
      }
      case "no-more-splits": {
        const [vertexId, index] = parseSubtaskKey(message.subtask);
        executor.post(() => executor.noMoreSplits(vertexId, index));
        break;
      }
      case "release":
        // Runs after everything queued before it (the final checkpoint's completion notice).
        executor.post(() => d.release?.());
        break;
      case "cancel":
        executor.cancel();
        break;
      case "deploy":
        break;
    }
  }

  private reportMetrics(execution: string, executor: TaskExecutor): void {
    const subtasks: Record<string, import("../metrics/job-metrics.ts").SubtaskMetrics> = {};
    for (const [key, m] of executor.subtaskMetrics()) subtasks[key] = m;
    const splits: Record<string, { subtask: number; splitId: string; state?: unknown }[]> = {};
    for (const v of executor.graph.jobGraph.vertices) {
      if (!v.isSource) continue;
      const list = executor.sourceSplits(v.id);
      if (list.length > 0 || executor.taskKeys().some((k) => k.startsWith(`${v.id}#`))) splits[v.id] = list;
    }
    try {
      this.host.send({ type: "metrics", execution, subtasks, splits });
    } catch {
      // A split description that cannot be cloned: metrics without it.
      this.host.send({ type: "metrics", execution, subtasks, splits: {} });
    }
  }
}
