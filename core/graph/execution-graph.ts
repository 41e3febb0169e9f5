/**
 * JobGraph -> ExecutionGraph: every vertex expanded into parallel subtasks placed in slots
 * (slot sharing: subtask i of every vertex shares slot i, as Flink's default group).
 */
import type { JobGraph, JobVertex } from "./job-graph.ts";
import { shipStrategyName } from "./stream-graph.ts";

/** One parallel instance of a job vertex. */
export interface ExecutionVertex {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  /** Display name as Flink prints it: `name (2/4)`. */
  readonly taskName: string;
  readonly slot: number;
}

/** How the subtasks of two vertices connect for one edge. */
export type DistributionPattern = "POINTWISE" | "ALL_TO_ALL";

/** The job expanded into subtasks. */
export class ExecutionGraph {
  readonly subtasks: Map<string, ExecutionVertex[]> = new Map();
  readonly slots: number;

  constructor(readonly jobGraph: JobGraph) {
    let slots = 0;
    for (const v of jobGraph.vertices) {
      const list: ExecutionVertex[] = [];
      for (let i = 0; i < v.parallelism; i++) {
        list.push({ vertexId: v.id, subtaskIndex: i, taskName: `${v.name} (${i + 1}/${v.parallelism})`, slot: i });
      }
      this.subtasks.set(v.id, list);
      slots = Math.max(slots, v.parallelism);
    }
    this.slots = slots;
  }

  subtasksOf(vertex: JobVertex): ExecutionVertex[] {
    return this.subtasks.get(vertex.id)!;
  }
}

/** Forward and rescale connect subtasks pointwise; the others connect every pair. */
export function distributionPattern(kind: string): DistributionPattern {
  return kind === "forward" || kind === "rescale" ? "POINTWISE" : "ALL_TO_ALL";
}

/**
 * The execution plan as JSON: Flink's `getExecutionPlan` node list (one entry per operator with
 * its predecessors and ship strategy), plus the chained job vertices and the subtasks.
 */
export function executionPlan(graph: ExecutionGraph): object {
  const job = graph.jobGraph;
  const sg = job.streamGraph;
  const nodes = [...sg.nodes.values()].map((n) => {
    const vertex = job.vertexOfNode.get(n.id)!;
    return {
      id: n.id,
      type: n.name,
      pact: n.pact,
      contents: n.name,
      parallelism: vertex.parallelism,
      ...(n.uid !== undefined ? { uid: n.uid } : {}),
      predecessors: n.inEdges.map((e) => {
        const chained = job.chainedEdges.some((c) => c.source === e.source && c.target === e.target);
        const edge = job.vertexOfNode.get(e.target)!.inputs.find((j) => j.sourceNode === e.source && j.targetNode === e.target);
        const resolved = chained || edge === undefined ? "FORWARD" : shipStrategyName(edge.partitioner);
        return { id: e.source, ship_strategy: resolved, side: e.input === 0 ? "first" : "second", ...(e.sideOutputTag !== undefined ? { side_output: e.sideOutputTag } : {}) };
      }),
    };
  });
  const vertices = job.vertices.map((v) => ({
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    operators: v.nodeIds.map((id) => ({ id: job.operatorIds.get(id), name: sg.node(id).name })),
    inputs: v.inputs.map((e) => ({
      id: e.sourceVertex,
      ship_strategy: shipStrategyName(e.partitioner),
      exchange: "pipelined",
      distribution: distributionPattern(e.partitioner.kind),
    })),
    subtasks: graph.subtasksOf(v).map((s) => ({ subtask: s.subtaskIndex, slot: s.slot })),
  }));
  return { jobName: sg.jobName, nodes, vertices };
}
