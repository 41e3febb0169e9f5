/**
 * The local TaskManager: one job attempt entirely in this isolate, split enumerators included.
 * Everything is stepped deterministically (`step()`, `runUntilIdle()`, a ManualClock), which is
 * what tests and small jobs want.
 */
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobVertex } from "../graph/job-graph.ts";
import type { SourceSplit, SplitEnumerator, SplitEnumeratorContext } from "../connectors/source.ts";
import { backpressureLevel } from "../metrics/task-metrics.ts";
import type { JobMetrics } from "../metrics/job-metrics.ts";
import type { BarrierOptions } from "./stream-element.ts";
import { type ExecutorOptions, TaskExecutor, subtaskKey } from "./task-executor.ts";
import type { JobExecution } from "./job-execution.ts";

export type { ExecutorOptions, RestoreSettings, ExecutorStatus } from "./task-executor.ts";

interface SourceCoordinator {
  readonly vertex: JobVertex;
  readonly enumerator: SplitEnumerator<SourceSplit, unknown>;
  readonly registered: Set<number>;
}

/** Executes one job attempt in the current isolate. */
export class LocalExecutor extends TaskExecutor implements JobExecution {
  private readonly coordinators: Map<string, SourceCoordinator>;
  private enumeratorsStarted = false;

  constructor(graph: ExecutionGraph, options: ExecutorOptions) {
    const coordinators = new Map<string, SourceCoordinator>();
    super(graph, options, {
      readerStarted: (vertexId, subtask) => {
        const c = coordinators.get(vertexId)!;
        c.registered.add(subtask);
        c.enumerator.addReader(subtask);
      },
      splitRequest: (vertexId, subtask) => coordinators.get(vertexId)!.enumerator.handleSplitRequest?.(subtask),
    });
    this.coordinators = coordinators;
    for (const v of graph.jobGraph.vertices) {
      if (!v.isSource) continue;
      const registered = new Set<number>();
      const source = graph.jobGraph.streamGraph.node(v.nodeIds[0]!).source!.source;
      const ctx: SplitEnumeratorContext<SourceSplit> = {
        parallelism: v.parallelism,
        registeredReaders: () => [...registered],
        assignSplits: (assignment) => {
          for (const [subtask, splits] of assignment) this.addSplits(v.id, subtask, splits);
        },
        signalNoMoreSplits: (subtask) => this.noMoreSplits(v.id, subtask),
        callAsync: (task, handler, initialDelayMs, periodMs) => this.callAsync(task, handler, initialDelayMs, periodMs),
        currentTime: () => this.options.clock.now(),
      };
      coordinators.set(v.id, { vertex: v, enumerator: source.createEnumerator(ctx, this.restored?.enumerators.get(v.id)), registered });
    }
  }

  /**
   * Starts a checkpoint: the enumerators' state is taken as the barriers go out, so both
   * describe the same moment (no split can be assigned in between).
   */
  override triggerCheckpoint(checkpointId: number, timestamp: number, options: BarrierOptions, stop: { drain: boolean } | undefined, onEnumeratorState?: (state: Record<string, unknown>) => void): void {
    super.triggerCheckpoint(checkpointId, timestamp, options, stop, () => onEnumeratorState?.(this.snapshotEnumerators(checkpointId)));
  }

  /** The split enumerator of a source vertex in this attempt (read-only use: monitoring). */
  sourceEnumerator(vertexId: string): SplitEnumerator<SourceSplit, unknown> | undefined {
    return this.coordinators.get(vertexId)?.enumerator;
  }

  /** Split enumerator state per source vertex. */
  snapshotEnumerators(checkpointId: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.coordinators.values()) out[c.vertex.id] = c.enumerator.snapshotState(checkpointId);
    return out;
  }

  /** Tells every task, reader and enumerator that a checkpoint completed. */
  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId, () => {
      for (const c of this.coordinators.values()) c.enumerator.notifyCheckpointComplete?.(checkpointId);
    });
  }

  /** Opens every operator and starts the enumerators, then the readers. */
  override async open(): Promise<void> {
    if (this.enumeratorsStarted) return super.open();
    this.enumeratorsStarted = true;
    if (this.status === "CREATED") this.status = "RUNNING";
    for (const c of this.coordinators.values()) await c.enumerator.start();
    await super.open();
  }

  taskManagerOf(): string {
    return "local";
  }

  /** Current metrics of every vertex. */
  metrics(): JobMetrics {
    return assembleJobMetrics(this.graph, this.subtaskMetrics(), this.status === "RUNNING");
  }

  protected override async closeMore(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const c of this.coordinators.values()) {
      try {
        await c.enumerator.close?.();
      } catch (e) {
        errors.push(e);
      }
    }
    return errors;
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
 * Job metrics from the figures of every subtask (by subtask key), wherever they ran. A subtask
 * with no figures yet counts as idle.
 */
export function assembleJobMetrics(graph: ExecutionGraph, subtasks: ReadonlyMap<string, import("../metrics/job-metrics.ts").SubtaskMetrics>, live: boolean): JobMetrics {
  let sourceRate = 0;
  let watermark = Number.POSITIVE_INFINITY;
  const vertices = graph.jobGraph.vertices.map((v) => {
    const list = Array.from({ length: v.parallelism }, (_, i) => {
      const s = subtasks.get(subtaskKey(v.id, i));
      return s === undefined ? idleSubtask(i) : live ? s : { ...s, busyMsPerSecond: 0, backPressuredMsPerSecond: 0, idleMsPerSecond: 1000, backPressureRatio: 0, recordsInPerSecond: 0, recordsOutPerSecond: 0 };
    });
    if (v.isSource) for (const s of list) sourceRate += s.recordsOutPerSecond;
    if (v.outputs.length === 0) for (const s of list) watermark = Math.min(watermark, s.currentInputWatermark);
    const maxRatio = Math.max(0, ...list.map((s) => s.backPressureRatio));
    return { id: v.id, name: v.name, parallelism: v.parallelism, backpressureLevel: backpressureLevel(maxRatio), subtasks: list };
  });
  return { vertices, sourceRecordsPerSecond: sourceRate, currentWatermark: watermark === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : watermark };
}

function idleSubtask(subtask: number): import("../metrics/job-metrics.ts").SubtaskMetrics {
  return {
    subtask,
    busyMsPerSecond: 0,
    backPressuredMsPerSecond: 0,
    idleMsPerSecond: 1000,
    backPressureRatio: 0,
    recordsIn: 0,
    recordsOut: 0,
    recordsInPerSecond: 0,
    recordsOutPerSecond: 0,
    currentInputWatermark: Number.NEGATIVE_INFINITY,
    currentOutputWatermark: Number.NEGATIVE_INFINITY,
  };
}
