/**
 * The StreamGraph: one node per operator the API created, edges carrying a partitioner.
 */
import type { StreamOperator } from "../runtime/operator.ts";
import type { Source } from "../connectors/source.ts";
import type { Key } from "../state/types.ts";
import type { WatermarkStrategy } from "../time/watermark-strategy.ts";
import type { RateControllerOptions } from "../runtime/rate/rate-controller.ts";

/** Extracts the key of a record. */
export type KeySelector<T> = (value: T) => Key;

/** How records cross an edge (Flink's partitioners). `auto` becomes forward or rebalance. */
export type PartitionerSpec =
  | { readonly kind: "auto" }
  | { readonly kind: "forward" }
  | { readonly kind: "rebalance" }
  | { readonly kind: "rescale" }
  | { readonly kind: "broadcast" }
  | { readonly kind: "global" }
  | { readonly kind: "hash"; readonly keySelector: KeySelector<any> };

/** Whether a node may be chained to its neighbours. */
export type ChainingStrategy = "always" | "head" | "never";

/** One operator of the job as the API built it. */
export interface StreamNode {
  readonly id: number;
  name: string;
  uid: string | undefined;
  /** `source`: a FLIP-27 source with a watermark strategy; `operator`: anything else (sinks too). */
  readonly kind: "source" | "operator";
  /** Kind of operation for the plan (Flink's "pact"): Data Source, Operator, Data Sink. */
  readonly pact: "Data Source" | "Operator" | "Data Sink";
  parallelism: number | undefined;
  maxParallelism: number | undefined;
  readonly source?: { readonly source: Source<any, any, any>; readonly watermarkStrategy: WatermarkStrategy<any> };
  readonly operatorFactory?: () => StreamOperator<any, any>;
  /** The sink a sink node writes to (the JobManager hands result sinks the records of remote writers). */
  readonly sink?: unknown;
  /** A source node's rate controller (`DataStream.setRateController`). */
  rateController?: RateControllerOptions;
  /** Present when the operator's input(s) are keyed: one key selector per input. */
  keySelectors: [KeySelector<any>, KeySelector<any>?] | undefined;
  chaining: ChainingStrategy;
  readonly inEdges: StreamEdge[];
  readonly outEdges: StreamEdge[];
}

/** A connection between two nodes. */
export interface StreamEdge {
  readonly source: number;
  readonly target: number;
  readonly partitioner: PartitionerSpec;
  /** Which input of the target this edge feeds: 0, or 1 for the second input of connect/joins. */
  readonly input: number;
  /** Set when the edge carries a side output rather than the main output. */
  readonly sideOutputTag: string | undefined;
}

/** The graph of nodes built by the DataStream API. */
export class StreamGraph {
  readonly nodes: Map<number, StreamNode> = new Map();
  private nextId = 1;

  constructor(public jobName: string) {}

  addNode(init: Omit<StreamNode, "id" | "inEdges" | "outEdges">): StreamNode {
    const node: StreamNode = { ...init, id: this.nextId++, inEdges: [], outEdges: [] };
    this.nodes.set(node.id, node);
    return node;
  }

  addEdge(edge: StreamEdge): void {
    const source = this.node(edge.source);
    const target = this.node(edge.target);
    source.outEdges.push(edge);
    target.inEdges.push(edge);
  }

  node(id: number): StreamNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`[eddy] no stream node ${id}`);
    return node;
  }

  sources(): StreamNode[] {
    return [...this.nodes.values()].filter((n) => n.kind === "source");
  }
}

/** Describes a partitioner for plans (Flink's ship strategy names). */
export function shipStrategyName(partitioner: PartitionerSpec): string {
  switch (partitioner.kind) {
    case "forward":
      return "FORWARD";
    case "rebalance":
      return "REBALANCE";
    case "rescale":
      return "RESCALE";
    case "broadcast":
      return "BROADCAST";
    case "global":
      return "GLOBAL";
    case "hash":
      return "HASH";
    case "auto":
      return "AUTO";
  }
}
