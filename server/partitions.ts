/**
 * `GET /jobs/:jobid/sources/:vertexid/partitions`: which splits (partitions) each reader of a
 * source holds, and what the enumerator knows about discovery. Readers describe their splits
 * (`SourceReader.describeSplits`, wherever they run); an enumerator may describe its discovery
 * by implementing {@link DescribesDiscovery} (the Kafka source does).
 */
import type { JobClient } from "../core/index.ts";

/** One split held by one reader. */
export interface SplitAssignment {
  readonly splitId: string;
  readonly subtask: number;
  /** Source-specific position (an offset, a next index...). */
  readonly state?: unknown;
}

/** The answer of the partitions endpoint. */
export interface PartitionsInfo {
  readonly vertexId: string;
  readonly source: string;
  readonly discovery: {
    /** Whether the source discovers new splits while running (Kafka's topic/pattern discovery). */
    readonly enabled: boolean;
    readonly intervalMs?: number;
    readonly lastDiscoveryTime?: number;
    readonly topics?: readonly string[];
    /** Topics subscribed by pattern (Kafka's `topicPattern`). */
    readonly topicPattern?: string;
    /** Discovery runs of the current attempt (the first one finds the initial splits). */
    readonly runs?: number;
    /** Splits known to the enumerator but not yet assigned. */
    readonly pending?: readonly string[];
  };
  readonly assignments: readonly SplitAssignment[];
}

/** Optional on a SplitEnumerator: its discovery state. */
export interface DescribesDiscovery {
  describeDiscovery(): PartitionsInfo["discovery"];
}

/** The split assignment of a source vertex, or undefined when the vertex is not a source. */
export function sourcePartitions(client: JobClient, vertexId: string): PartitionsInfo | undefined {
  const vertex = client.executionGraph.jobGraph.vertices.find((v) => v.id === vertexId);
  if (vertex === undefined || !vertex.isSource) return undefined;
  const assignments: SplitAssignment[] = client.execution.sourceSplits(vertexId);
  const enumerator = client.execution.sourceEnumerator(vertexId) as Partial<DescribesDiscovery> | undefined;
  const discovery = typeof enumerator?.describeDiscovery === "function" ? enumerator.describeDiscovery() : { enabled: false };
  return { vertexId, source: vertex.name, discovery, assignments };
}
