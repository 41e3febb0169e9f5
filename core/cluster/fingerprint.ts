/**
 * The shape of a job graph as text: TaskManagers build the job themselves and refuse to run
 * one whose shape differs from the JobManager's (a builder that is not deterministic).
 */
import type { JobGraph } from "../graph/job-graph.ts";

/** Vertices, their parallelism and chains, and every edge with its partitioning. */
export function jobFingerprint(graph: JobGraph): string {
  return JSON.stringify(
    graph.vertices.map((v) => [
      v.id,
      v.parallelism,
      v.maxParallelism,
      v.nodeIds,
      v.outputs.map((e) => [e.targetVertex, e.sourceNode, e.targetNode, e.partitioner.kind, e.input, e.sideOutputTag ?? null]),
    ]),
  );
}
