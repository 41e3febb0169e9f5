/**
 * A point-in-time view of a running job's metrics, shaped for the REST API.
 */
import type { BackpressureLevel } from "./task-metrics.ts";

/** One subtask's figures. */
export interface SubtaskMetrics {
  readonly subtask: number;
  readonly busyMsPerSecond: number;
  readonly backPressuredMsPerSecond: number;
  readonly idleMsPerSecond: number;
  readonly backPressureRatio: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly recordsInPerSecond: number;
  readonly recordsOutPerSecond: number;
  readonly currentInputWatermark: number;
  readonly currentOutputWatermark: number;
  /** Busy time, cumulative ms (the per-second figures are its rate). */
  readonly busyMs?: number;
  /** Time spent waiting on the chain's own asynchronous work (a sink's writes), cumulative ms. */
  readonly asyncWaitMs?: number;
  /** Time it had nothing to take (no input; a source: nothing to read), and time it was backpressured, cumulative ms. */
  readonly noInputMs?: number;
  readonly backPressuredMs?: number;
  /** Record·ms the subtask's input records waited in channels, and how many it took, cumulative. */
  readonly queueWaitedMs?: number;
  readonly queueTaken?: number;
  /** A source subtask's reader counters (SourceReader.metrics), by name. */
  readonly counters?: Readonly<Record<string, number>> | undefined;
}

/** One job vertex (operator chain) with its subtasks. */
export interface VertexMetrics {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly backpressureLevel: BackpressureLevel;
  readonly subtasks: readonly SubtaskMetrics[];
  /** A source's rate controller: the rate it sets and what it last observed (DataStream.setRateController). */
  readonly rateController?: RateControllerMetrics;
}

/**
 * What a source's rate controller last observed over one interval and the rate it set. The
 * delays are Eddy's measures of Spark's: processing delay is the busiest vertex's busy time plus
 * its wait on its own asynchronous work, per subtask; scheduling delay is the time a record waited
 * in channels before a task took it, the average per record at each vertex, summed over vertices.
 */
export interface RateControllerMetrics {
  /** The rate the source is held to, records/s (undefined: not limited yet). */
  readonly rate: number | undefined;
  /** Records the job's last operators received in the interval. */
  readonly elements: number;
  readonly processingDelayMs: number;
  readonly schedulingDelayMs: number;
  /** elements / processing delay, records/s. */
  readonly processingRate: number;
  /** When it last observed, ms since epoch (undefined: not yet). */
  readonly updatedAt: number | undefined;
}

/** The whole job. */
export interface JobMetrics {
  readonly vertices: readonly VertexMetrics[];
  /** Records per second leaving all sources. */
  readonly sourceRecordsPerSecond: number;
  /** Lowest output watermark of the sink-side vertices. */
  readonly currentWatermark: number;
}

/** A vertex's reader counters, summed over its subtasks (empty for a vertex without any). */
export function vertexCounters(v: VertexMetrics): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const s of v.subtasks) {
    for (const [name, value] of Object.entries(s.counters ?? {})) sums[name] = (sums[name] ?? 0) + value;
  }
  return sums;
}
