/**
 * Runs an ExecutionGraph in this isolate: wires channels, builds each subtask's operator chain,
 * and drives all subtasks cooperatively. `step()` and `runUntilIdle()` make tests deterministic;
 * `run()` loops until every task has finished, waiting (never spinning) when none can progress.
 */
import { EddyError } from "../errors.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobEdge, JobVertex } from "../graph/job-graph.ts";
import type { SourceSplit, SplitEnumerator, SplitEnumeratorContext } from "../connectors/source.ts";
import { TaskMetrics, backpressureLevel } from "../metrics/task-metrics.ts";
import type { JobMetrics } from "../metrics/job-metrics.ts";
import type { Clock } from "../time/types.ts";
import type { CompletedCheckpoint, TaskSnapshot } from "../checkpoint/types.ts";
import type { BarrierOptions } from "./stream-element.ts";
import { Channel } from "./channel.ts";
import { ChainOutput } from "./chain-output.ts";
import { InputGate } from "./input-gate.ts";
import { OperatorHost } from "./operator-host.ts";
import type { StreamOperator } from "./operator.ts";
import { createChannelSelector, pointwiseTargets } from "./partitioner.ts";
import { ProcessingTimeScheduler } from "./processing-time-scheduler.ts";
import { RecordWriter, type RecordTarget } from "./record-writer.ts";
import { SourceOutput } from "./source-output.ts";
import { SourceTask, StreamTask, type Task } from "./task.ts";
import { restoredStateFor, type RestoredState } from "./restore.ts";
import { StatusWatermarkValve } from "../time/status-watermark-valve.ts";

/** Tuning of the local executor. */
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
  /** State to start from (a checkpoint or savepoint). */
  readonly restore?: RestoreSettings;
  /** Runs when every task has finished, before operators close (the final checkpoint of 2PC sinks). */
  readonly onAllFinished?: () => Promise<void>;
  /** Attempt number (0 for the first run), handed to sink writers. */
  readonly attempt?: number;
  /** Checkpoint interval in ms when checkpointing is enabled (operators may check timeouts against it). */
  readonly checkpointIntervalMs?: number;
}

/** Where a job's state comes from when it starts. */
export interface RestoreSettings {
  readonly checkpoint: CompletedCheckpoint;
  /** Skip state of operators that no longer exist instead of failing. */
  readonly allowNonRestoredState: boolean;
}

/** Where the executor is. */
export type ExecutorStatus = "CREATED" | "RUNNING" | "FINISHED" | "FAILED" | "CANCELED";

interface SourceCoordinator {
  readonly vertex: JobVertex;
  readonly enumerator: SplitEnumerator<SourceSplit, unknown>;
  readonly tasks: SourceTask<unknown>[];
}

/** Executes one job in the current isolate. */
export class LocalExecutor {
  readonly tasks: Task[] = [];
  readonly scheduler: ProcessingTimeScheduler;
  status: ExecutorStatus = "CREATED";
  failureCause: unknown;
  private readonly coordinators: SourceCoordinator[] = [];
  private readonly mailbox: (() => void)[] = [];
  private readonly cancels: (() => void)[] = [];
  private wake: (() => void) | undefined;
  private readonly tasksByVertex = new Map<string, Task[]>();
  private opened = false;
  private readonly restored: RestoredState | undefined;
  /** Set by the checkpoint coordinator: receives every task's acknowledgement. */
  onAcknowledge: ((checkpointId: number, snapshot: TaskSnapshot) => void) | undefined;

  constructor(readonly graph: ExecutionGraph, readonly options: ExecutorOptions) {
    this.scheduler = new ProcessingTimeScheduler(options.clock);
    this.restored = options.restore === undefined ? undefined : restoredStateFor(graph, options.restore);
    this.build();
    for (const t of this.tasks) t.onAcknowledge = (id, snapshot) => this.onAcknowledge?.(id, snapshot);
  }

  /** Keys of every subtask that must acknowledge a checkpoint: `<vertexId>#<subtask>`. */
  taskKeys(): string[] {
    return this.tasks.map((t) => `${t.info.vertexId}#${t.info.subtaskIndex}`);
  }

  /**
   * Starts a checkpoint: finished tasks acknowledge their final state, running ones expect it,
   * sources inject the barrier (for stop-with-savepoint, after draining and then falling silent).
   */
  triggerCheckpoint(checkpointId: number, timestamp: number, options: BarrierOptions, stop: { drain: boolean } | undefined, onEnumeratorState: (state: Record<string, unknown>) => void): void {
    this.post(() => {
      // The enumerators' state and the readers' (taken as the barriers go out) describe the same
      // moment: no split can be assigned in between.
      onEnumeratorState(this.snapshotEnumerators(checkpointId));
      const barrier = { kind: "barrier" as const, checkpointId, timestamp, options };
      for (const t of this.tasks) {
        if (t.status === "FINISHED") t.acknowledgeFinished(barrier);
        else t.expected = barrier;
      }
      for (const c of this.coordinators) {
        for (const t of c.tasks) {
          if (t.status !== "RUNNING") continue;
          if (stop?.drain === true) t.drain();
          t.triggerCheckpoint(barrier);
          if (stop !== undefined) t.suspended = true;
        }
      }
    });
  }

  /** The split enumerator of a source vertex in this attempt (read-only use: monitoring). */
  sourceEnumerator(vertexId: string): SplitEnumerator<SourceSplit, unknown> | undefined {
    return this.coordinators.find((c) => c.vertex.id === vertexId)?.enumerator;
  }

  /** Split enumerator state per source vertex, taken when a checkpoint is triggered. */
  snapshotEnumerators(checkpointId: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.coordinators) out[c.vertex.id] = c.enumerator.snapshotState(checkpointId);
    return out;
  }

  /** Tells every task, reader and enumerator that a checkpoint completed. */
  notifyCheckpointComplete(checkpointId: number): void {
    this.post(() => {
      for (const t of this.tasks) t.notifyCheckpointComplete(checkpointId);
      for (const c of this.coordinators) c.enumerator.notifyCheckpointComplete?.(checkpointId);
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
      for (const c of this.coordinators) for (const t of c.tasks) t.finishNow();
    });
  }

  /** Queues an action to run between steps (checkpoint triggers, coordinator callbacks). */
  post(action: () => void): void {
    this.mailbox.push(action);
    this.wake?.();
  }

  /** Opens every operator (tail first, as Flink) and starts the sources. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    this.status = "RUNNING";
    for (const task of [...this.tasks].reverse()) {
      for (const host of [...task.hosts].reverse()) await host.open(this.restored?.operators.get(host.id));
    }
    for (const c of this.coordinators) {
      await c.enumerator.start();
      for (const t of c.tasks) await t.reader.start();
      for (const t of c.tasks) {
        // Restored readers get their own splits back (FLIP-27); then every reader registers with
        // the enumerator, which assigns what it still holds and decides when there are no more.
        const splits = this.restored?.splits.get(`${c.vertex.id}#${t.info.subtaskIndex}`);
        if (splits !== undefined && splits.length > 0) t.reader.addSplits(splits as never[]);
        c.enumerator.addReader(t.info.subtaskIndex);
      }
    }
    if (this.options.autoWatermarkInterval > 0) {
      for (const c of this.coordinators) {
        for (const t of c.tasks) this.cancels.push(this.scheduler.scheduleRepeating(this.options.autoWatermarkInterval, () => t.output.onPeriodicEmit()));
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

  /** Runs mailbox actions and due timers, then gives every task one step. Returns whether anything happened. */
  step(): boolean {
    let progressed = false;
    while (this.mailbox.length > 0) {
      this.mailbox.shift()!();
      progressed = true;
    }
    if (this.scheduler.runDue() > 0) progressed = true;
    for (const t of this.tasks) if (t.step()) progressed = true;
    return progressed;
  }

  /** Steps until nothing can progress without waiting; returns the number of rounds. */
  runUntilIdle(maxRounds = 1_000_000): number {
    let rounds = 0;
    while (rounds < maxRounds && this.step()) rounds++;
    return rounds;
  }

  /** Whether every task has finished and handed all its output on. */
  isFinished(): boolean {
    for (const t of this.tasks) if (t.status !== "FINISHED" || !t.isDrained()) return false;
    return true;
  }

  /** Runs to completion (bounded jobs) or until cancelled. Rejects with the failure cause. */
  async run(): Promise<void> {
    await this.open();
    let lastYield = performance.now();
    try {
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
        } else if (performance.now() - lastYield > 20) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    } catch (error) {
      this.status = "FAILED";
      this.failureCause = error;
    } finally {
      for (const cancel of this.cancels) cancel();
      await this.closeAll();
    }
    if (this.status === "FAILED") throw this.failureCause;
  }

  /** Stops the job; `run()` resolves after closing the operators. */
  cancel(): void {
    if (this.status === "RUNNING" || this.status === "CREATED") this.status = "CANCELED";
    this.wake?.();
  }

  /** Current metrics of every vertex. */
  metrics(): JobMetrics {
    let sourceRate = 0;
    let watermark = Number.POSITIVE_INFINITY;
    const vertices = this.graph.jobGraph.vertices.map((v) => {
      const tasks = this.tasksByVertex.get(v.id)!;
      // Rates describe the last second of a running job; once it has ended nothing flows.
      const live = this.status === "RUNNING";
      const subtasks = tasks.map((t) => {
        t.refreshCounters();
        const m = t.metrics;
        return {
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
        };
      });
      if (v.isSource) for (const s of subtasks) sourceRate += s.recordsOutPerSecond;
      if (v.outputs.length === 0) for (const s of subtasks) watermark = Math.min(watermark, s.currentInputWatermark);
      const maxRatio = Math.max(0, ...subtasks.map((s) => s.backPressureRatio));
      return { id: v.id, name: v.name, parallelism: v.parallelism, backpressureLevel: backpressureLevel(maxRatio), subtasks };
    });
    return { vertices, sourceRecordsPerSecond: sourceRate, currentWatermark: watermark === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : watermark };
  }

  private async waitForWork(also?: Promise<unknown>): Promise<void> {
    const waits: Promise<unknown>[] = also === undefined ? [] : [also];
    for (const t of this.tasks) {
      const w = t.waitingOn();
      if (w !== undefined) waits.push(w);
    }
    const due = this.scheduler.nextDue();
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (due !== undefined) {
      const delay = Math.max(0, due - this.options.clock.now());
      waits.push(new Promise<void>((resolve) => (timer = setTimeout(resolve, delay))));
    }
    if (waits.length === 0 && this.mailbox.length === 0 && this.status === "RUNNING") {
      throw new EddyError("[eddy] the job stalled: no task can progress and nothing is pending", { code: "JOB_STALLED" });
    }
    waits.push(new Promise<void>((resolve) => (this.wake = resolve)));
    try {
      await Promise.race(waits);
    } finally {
      this.wake = undefined;
      if (timer !== undefined) clearTimeout(timer);
    }
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

  private async closeAll(): Promise<void> {
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
    for (const c of this.coordinators) {
      try {
        await c.enumerator.close?.();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0 && this.status !== "FAILED") {
      this.status = "FAILED";
      this.failureCause = errors[0];
    }
  }

  private build(): void {
    const { jobGraph } = this.graph;
    const { batchSize, channelCapacity } = this.options;
    // Channels per (edge, upstream subtask), indexed by downstream subtask where all-to-all.
    const writerChannels = new Map<JobEdge, Channel[][]>();
    const inputChannels = new Map<string, Channel[][]>();
    for (const v of jobGraph.vertices) inputChannels.set(v.id, Array.from({ length: v.parallelism }, () => []));
    for (const v of jobGraph.vertices) {
      for (const edge of v.outputs) {
        const down = jobGraph.vertex(edge.targetVertex);
        const perUpstream: Channel[][] = [];
        for (let i = 0; i < v.parallelism; i++) {
          // Global connects every pair (as Flink) and sends records to subtask 0 only: the others
          // still receive watermarks and end-of-data.
          const targets =
            edge.partitioner.kind === "forward" || edge.partitioner.kind === "rescale"
                ? pointwiseTargets(i, v.parallelism, down.parallelism)
                : Array.from({ length: down.parallelism }, (_, j) => j);
          perUpstream.push(
            targets.map((j) => {
              const list = inputChannels.get(down.id)![j]!;
              const channel = new Channel(`${edge.sourceNode}->${edge.targetNode}:${edge.input}:${edge.sideOutputTag ?? ""}:${i}->${j}`, channelCapacity, list.length, edge.input);
              for (const item of this.restored?.channels.get(channel.key) ?? []) channel.push(item);
              list.push(channel);
              return channel;
            }),
          );
        }
        writerChannels.set(edge, perUpstream);
      }
    }
    for (const v of jobGraph.vertices) {
      const tasks: Task[] = [];
      const sourceNode = v.isSource ? jobGraph.streamGraph.node(v.nodeIds[0]!) : undefined;
      let coordinator: SourceCoordinator | undefined;
      if (sourceNode !== undefined) {
        const source = sourceNode.source!.source;
        const readers = new Map<number, SourceTask<unknown>>();
        const ctx: SplitEnumeratorContext<SourceSplit> = {
          parallelism: v.parallelism,
          registeredReaders: () => [...readers.keys()],
          assignSplits: (assignment) => {
            for (const [subtask, splits] of assignment) readers.get(subtask)?.reader.addSplits(splits);
          },
          signalNoMoreSplits: (subtask) => readers.get(subtask)?.reader.notifyNoMoreSplits(),
          callAsync: (task, handler, initialDelayMs, periodMs) => this.callAsync(task, handler, initialDelayMs, periodMs),
          currentTime: () => this.options.clock.now(),
        };
        coordinator = { vertex: v, enumerator: source.createEnumerator(ctx, this.restored?.enumerators.get(v.id)), tasks: [] };
        this.coordinators.push(coordinator);
        for (let i = 0; i < v.parallelism; i++) {
          const task = this.buildTask(v, i, writerChannels, inputChannels.get(v.id)![i]!, coordinator);
          readers.set(i, task as SourceTask<unknown>);
          tasks.push(task);
        }
      } else {
        for (let i = 0; i < v.parallelism; i++) tasks.push(this.buildTask(v, i, writerChannels, inputChannels.get(v.id)![i]!, undefined));
      }
      this.tasksByVertex.set(v.id, tasks);
      this.tasks.push(...tasks);
    }
  }

  private buildTask(v: JobVertex, index: number, writerChannels: Map<JobEdge, Channel[][]>, inputs: Channel[], coordinator: SourceCoordinator | undefined): Task {
    const { jobGraph } = this.graph;
    const sg = jobGraph.streamGraph;
    const metrics = new TaskMetrics();
    const info = { vertexId: v.id, vertexName: v.name, subtaskIndex: index, parallelism: v.parallelism };
    const writers: RecordWriter[] = [];
    const writerFor = new Map<string, RecordWriter>();
    for (const edge of v.outputs) {
      const channels = writerChannels.get(edge)![index]!;
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
      const output = new ChainOutput<unknown>(main, sides, trackWatermark);
      outputOf.set(nodeId, output);
      if (node.kind === "source") continue;
      const next = main.length === 1 && sides.size === 0 ? main[0] : undefined;
      const nextInChain = next instanceof OperatorHost && next.keyedBackend === undefined ? (next.operator as StreamOperator<unknown, unknown>) : undefined;
      const host = new OperatorHost({
        operator: node.operatorFactory!(),
        nextInChain,
        checkpointIntervalMs: this.options.checkpointIntervalMs,
        attemptNumber: this.options.attempt ?? 0,
        name: node.name,
        id: jobGraph.operatorIds.get(nodeId)!,
        subtaskIndex: index,
        parallelism: v.parallelism,
        maxParallelism: v.maxParallelism,
        output,
        processingTime: this.scheduler,
        keySelectors: node.keySelectors,
      });
      hostOf.set(nodeId, host);
    }
    const hosts = v.nodeIds.filter((id) => hostOf.has(id)).map((id) => hostOf.get(id)!);
    if (coordinator !== undefined) {
      const node = sg.node(v.nodeIds[0]!);
      const downstream = outputOf.get(node.id)!;
      const reader = node.source!.source.createReader({
        subtaskIndex: index,
        parallelism: v.parallelism,
        sendSplitRequest: () => coordinator.enumerator.handleSplitRequest?.(index),
        currentTime: () => this.options.clock.now(),
      });
      let task: SourceTask<unknown> | undefined;
      const output = new SourceOutput<unknown>(node.source!.watermarkStrategy, this.options.clock, downstream, (idle) => task?.emitStatus(idle));
      task = new SourceTask(info, hosts, writers, metrics, reader, output, this.options.batchSize);
      coordinator.tasks.push(task);
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

  private callAsync<R>(task: () => Promise<R>, handler: (result: R | undefined, error: unknown) => void, initialDelayMs: number, periodMs: number): void {
    const run = (): void => {
      if (this.status !== "RUNNING") return;
      task().then(
        (result) => this.post(() => handler(result, undefined)),
        (error) => this.post(() => handler(undefined, error)),
      ).finally(() => {
        if (periodMs > 0 && this.status === "RUNNING") this.scheduler.scheduleAt(this.options.clock.now() + periodMs, run);
      });
    };
    this.scheduler.scheduleAt(this.options.clock.now() + initialDelayMs, run);
  }
}

/**
 * Lets timers and I/O run: a macrotask, not a microtask. A MessageChannel message runs at once
 * where setTimeout(0) is clamped (to 1 ms on Node, 4 ms after nesting in browsers); the port is
 * closed right away so it keeps no process alive.
 */
function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel !== "function") return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.addEventListener("message", () => {
      channel.port1.close();
      resolve();
    });
    channel.port1.start();
    channel.port2.postMessage(undefined);
  });
}
