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
