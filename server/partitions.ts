/**
 * `GET /jobs/:jobid/sources/:vertexid/partitions`: which splits (partitions) each reader of a
 * source holds, and what the enumerator knows about discovery. A source may describe itself by
 * implementing {@link DescribesSplits} on its reader and {@link DescribesDiscovery} on its
 * enumerator (the Kafka source does); the built-in sources are read directly.
 */
import { CollectionSource, GeneratorSource, type JobClient } from "../core/index.ts";

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

/** Optional on a SourceReader: its current splits without taking a snapshot. */
export interface DescribesSplits {
  describeSplits(): { splitId: string; state?: unknown }[];
}

/** Optional on a SplitEnumerator: its discovery state. */
export interface DescribesDiscovery {
  describeDiscovery(): PartitionsInfo["discovery"];
}

interface TaskLike {
  info: { vertexId: string; vertexName: string; subtaskIndex: number };
  reader?: { snapshotState?(checkpointId: number): { splitId: string }[] } & Partial<DescribesSplits>;
}

/** The split assignment of a source vertex, or undefined when the vertex is not a source. */
export function sourcePartitions(client: JobClient, vertexId: string): PartitionsInfo | undefined {
  const vertex = client.executionGraph.jobGraph.vertices.find((v) => v.id === vertexId);
  if (vertex === undefined || !vertex.isSource) return undefined;
  const graph = client.executionGraph.jobGraph;
  const source = graph.streamGraph.node(vertex.nodeIds[0]!).source?.source;
  // The built-in sources' readers snapshot without side effects; others must describe themselves.
  const pureSnapshot = source instanceof GeneratorSource || source instanceof CollectionSource;
  const tasks = (client.executor.tasks as unknown as TaskLike[]).filter((t) => t.info.vertexId === vertexId && t.reader !== undefined);
  const assignments: SplitAssignment[] = [];
  for (const t of tasks) {
    const reader = t.reader!;
    let splits: { splitId: string; state?: unknown }[] = [];
    if (typeof reader.describeSplits === "function") splits = reader.describeSplits();
    else if (pureSnapshot && typeof reader.snapshotState === "function") {
      splits = reader.snapshotState(-1).map(({ splitId, ...state }) => ({ splitId, state }));
    }
    for (const s of splits) assignments.push({ splitId: s.splitId, subtask: t.info.subtaskIndex, ...(s.state !== undefined ? { state: s.state } : {}) });
  }
  const enumerator = client.executor.sourceEnumerator(vertexId) as Partial<DescribesDiscovery> | undefined;
  const discovery = typeof enumerator?.describeDiscovery === "function" ? enumerator.describeDiscovery() : { enabled: false };
  return { vertexId, source: vertex.name, discovery, assignments };
}
