/**
 * Sources and sinks that need the edge deployment itself (the job's id, the ingest objects) are
 * bound to it after the job is built, in the JobManager object and in each TaskManager object:
 * a connector object constructed by a job's builder knows nothing of where it runs until then.
 */
import type { StreamGraph } from "../../core/graph/stream-graph.ts";
import type { IngestLogRpc } from "./ingest-protocol.ts";

/** What the deployment gives its connectors. */
export interface EdgeBinding {
  readonly jobId: string;
  /** The ingest log of one partition of an ingest source. */
  ingestLog(source: string, partition: number): IngestLogRpc;
}

/** A source or sink that binds to the deployment. */
export interface EdgeConnector {
  bindEdge(binding: EdgeBinding): void;
}

function isEdgeConnector(x: unknown): x is EdgeConnector {
  return typeof x === "object" && x !== null && typeof (x as { bindEdge?: unknown }).bindEdge === "function";
}

/** Binds every source and sink of `graph` that asks for it. */
export function bindEdgeConnectors(graph: StreamGraph, binding: EdgeBinding): void {
  for (const node of graph.nodes.values()) {
    const source = node.source?.source;
    if (isEdgeConnector(source)) source.bindEdge(binding);
    if (isEdgeConnector(node.sink)) node.sink.bindEdge(binding);
  }
}
