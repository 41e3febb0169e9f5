/**
 * StreamGraph -> JobGraph: resolves parallelism and partitioners and chains operators that can
 * run in one task (forward edge, same parallelism, single input), as Flink's StreamingJobGraphGenerator.
 */
import { EddyError } from "../errors.ts";
import type { PartitionerSpec, StreamEdge, StreamGraph, StreamNode } from "./stream-graph.ts";
import { stableHexId } from "./ids.ts";
import { defaultMaxParallelism } from "../state/key-groups.ts";

/** An edge between two job vertices (it leaves a chain). */
export interface JobEdge {
  readonly sourceVertex: string;
  readonly targetVertex: string;
  readonly sourceNode: number;
  readonly targetNode: number;
  readonly partitioner: Exclude<PartitionerSpec, { kind: "auto" }>;
  readonly input: number;
  readonly sideOutputTag: string | undefined;
}

/** A chain of operators that runs as one task per parallel subtask. */
export interface JobVertex {
  readonly id: string;
  readonly name: string;
  /** Nodes of the chain in topological order; the first is the head. */
  readonly nodeIds: readonly number[];
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly isSource: boolean;
  readonly inputs: JobEdge[];
  readonly outputs: JobEdge[];
}

/** Chained edge inside a vertex. */
export interface ChainedEdge {
  readonly source: number;
  readonly target: number;
  readonly sideOutputTag: string | undefined;
}

/** Defaults applied where the program set nothing. */
export interface JobGraphDefaults {
  readonly parallelism: number;
  /** When undefined, derived per operator from its parallelism (Flink's default). */
  readonly maxParallelism: number | undefined;
  readonly chaining: boolean;
}

/** The job as tasks: vertices (operator chains) and the edges between them. */
export class JobGraph {
  readonly vertices: JobVertex[] = [];
  readonly vertexOfNode: Map<number, JobVertex> = new Map();
  readonly chainedEdges: ChainedEdge[] = [];
  /** Stable operator id per stream node (uid-derived when a uid is set). */
  readonly operatorIds: Map<number, string> = new Map();

  constructor(readonly streamGraph: StreamGraph, readonly defaults: JobGraphDefaults) {}

  vertex(id: string): JobVertex {
    const v = this.vertices.find((x) => x.id === id);
    if (v === undefined) throw new Error(`[eddy] no job vertex ${id}`);
    return v;
  }

  /** Display name of a stream node. */
  nodeName(nodeId: number): string {
    return this.streamGraph.node(nodeId).name;
  }
}

/** Builds the JobGraph of a StreamGraph. */
export function createJobGraph(graph: StreamGraph, defaults: JobGraphDefaults): JobGraph {
  const job = new JobGraph(graph, defaults);
  const nodes = topologicalOrder(graph);
  if (nodes.length === 0) {
    throw new EddyError("[eddy] the job has no operators: add a source and a sink", { code: "INVALID_JOB", domain: "user" });
  }
  const parallelism = (n: StreamNode): number => n.parallelism ?? defaults.parallelism;
  const maxParallelism = (n: StreamNode): number => n.maxParallelism ?? defaults.maxParallelism ?? defaultMaxParallelism(parallelism(n));
  for (const n of nodes) {
    const p = parallelism(n);
    if (p > maxParallelism(n)) {
      throw new EddyError(`[eddy] operator "${n.name}": parallelism ${p} exceeds maxParallelism ${maxParallelism(n)}`, {
        code: "INVALID_ARGUMENT",
        domain: "user",
        operator: n.name,
      });
    }
  }
  const resolve = (edge: StreamEdge): JobEdge["partitioner"] => {
    const up = graph.node(edge.source);
    const down = graph.node(edge.target);
    const p = edge.partitioner;
    if (p.kind === "auto") return parallelism(up) === parallelism(down) ? { kind: "forward" } : { kind: "rebalance" };
    if (p.kind === "forward" && parallelism(up) !== parallelism(down)) {
      throw new EddyError(
        `[eddy] forward partitioning from "${up.name}" (parallelism ${parallelism(up)}) to "${down.name}" (parallelism ${parallelism(down)}) needs equal parallelism`,
        { code: "INVALID_JOB", domain: "user", operator: down.name },
      );
    }
    if (p.kind === "global" && parallelism(down) !== 1 && down.parallelism !== undefined) {
      // Global sends everything to subtask 0; other subtasks simply stay idle, as in Flink.
    }
    return p;
  };
  const chainable = (edge: StreamEdge): boolean => {
    if (!defaults.chaining) return false;
    const up = graph.node(edge.source);
    const down = graph.node(edge.target);
    return (
      resolve(edge).kind === "forward" &&
      parallelism(up) === parallelism(down) &&
      down.inEdges.length === 1 &&
      down.kind !== "source" &&
      down.chaining === "always" &&
      up.chaining !== "never"
    );
  };

  // Each node joins the chain of its single chainable input; otherwise it heads a new chain.
  const headOf = new Map<number, number>();
  const chains = new Map<number, number[]>();
  for (const n of nodes) {
    const inEdge = n.inEdges.length === 1 ? n.inEdges[0]! : undefined;
    if (inEdge !== undefined && chainable(inEdge)) {
      const head = headOf.get(inEdge.source)!;
      headOf.set(n.id, head);
      chains.get(head)!.push(n.id);
      job.chainedEdges.push({ source: inEdge.source, target: n.id, sideOutputTag: inEdge.sideOutputTag });
    } else {
      headOf.set(n.id, n.id);
      chains.set(n.id, [n.id]);
    }
  }
  for (const n of nodes) job.operatorIds.set(n.id, stableHexId(n.uid !== undefined ? `uid:${n.uid}` : `node:${n.id}:${n.name}`));
  for (const [head, members] of chains) {
    const headNode = graph.node(head);
    const vertex: JobVertex = {
      id: job.operatorIds.get(head)!,
      name: members.map((id) => graph.node(id).name).join(" -> "),
      nodeIds: members,
      parallelism: parallelism(headNode),
      maxParallelism: Math.max(...members.map((id) => maxParallelism(graph.node(id)))),
      isSource: headNode.kind === "source",
      inputs: [],
      outputs: [],
    };
    job.vertices.push(vertex);
    for (const id of members) job.vertexOfNode.set(id, vertex);
  }
  for (const n of nodes) {
    for (const edge of n.outEdges) {
      if (headOf.get(edge.target) === headOf.get(edge.source) && job.chainedEdges.some((c) => c.source === edge.source && c.target === edge.target)) continue;
      const jobEdge: JobEdge = {
        sourceVertex: job.vertexOfNode.get(edge.source)!.id,
        targetVertex: job.vertexOfNode.get(edge.target)!.id,
        sourceNode: edge.source,
        targetNode: edge.target,
        partitioner: resolve(edge),
        input: edge.input,
        sideOutputTag: edge.sideOutputTag,
      };
      job.vertexOfNode.get(edge.source)!.outputs.push(jobEdge);
      job.vertexOfNode.get(edge.target)!.inputs.push(jobEdge);
    }
  }
  return job;
}

/** Nodes in an order where every edge goes forward; a cycle is an error. */
function topologicalOrder(graph: StreamGraph): StreamNode[] {
  const inDegree = new Map<number, number>();
  for (const n of graph.nodes.values()) inDegree.set(n.id, n.inEdges.length);
  const ready = [...graph.nodes.values()].filter((n) => n.inEdges.length === 0).map((n) => n.id);
  const order: StreamNode[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    const node = graph.node(id);
    order.push(node);
    for (const e of node.outEdges) {
      const d = inDegree.get(e.target)! - 1;
      inDegree.set(e.target, d);
      if (d === 0) ready.push(e.target);
    }
  }
  if (order.length !== graph.nodes.size) {
    throw new EddyError("[eddy] the job graph has a cycle", { code: "INVALID_JOB", domain: "user" });
  }
  return order;
}
