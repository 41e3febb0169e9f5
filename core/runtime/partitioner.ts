/**
 * Chooses the output channel(s) of a record: forward, rebalance, rescale, broadcast, global, and
 * hash by key group (Flink's KeyGroupStreamPartitioner).
 */
import { EddyError } from "../errors.ts";
import { keyGroupFor, operatorIndexForKeyGroup, isValidKey, invalidKeyError } from "../state/key-groups.ts";
import type { JobEdge } from "../graph/job-graph.ts";

/** Picks one channel per record; broadcast is handled by the writer. */
export interface ChannelSelector {
  readonly broadcast: boolean;
  select(value: unknown): number;
}

/** Downstream subtasks that subtask `index` of `upstream` sends to on a pointwise edge. */
export function pointwiseTargets(index: number, upstream: number, downstream: number): number[] {
  if (upstream === downstream) return [index];
  const targets: number[] = [];
  if (downstream > upstream) {
    for (let j = 0; j < downstream; j++) if (Math.floor((j * upstream) / downstream) === index) targets.push(j);
  } else {
    targets.push(Math.floor((index * downstream) / upstream));
  }
  return targets;
}

/** Builds the selector for an edge; `channels` is the number of channels the writer holds. */
export function createChannelSelector(edge: JobEdge, subtaskIndex: number, channels: number, downstreamMaxParallelism: number, operatorName: string): ChannelSelector {
  const p = edge.partitioner;
  switch (p.kind) {
    case "forward":
    case "global":
      return { broadcast: false, select: () => 0 };
    case "broadcast":
      return { broadcast: true, select: () => 0 };
    case "rebalance":
    case "rescale": {
      let next = subtaskIndex % channels;
      return {
        broadcast: false,
        select: () => {
          const c = next;
          next = next + 1 === channels ? 0 : next + 1;
          return c;
        },
      };
    }
    case "hash": {
      const selector = p.keySelector;
      return {
        broadcast: false,
        select: (value) => {
          let key: unknown;
          try {
            key = selector(value);
          } catch (error) {
            throw new EddyError(`[eddy] key selector of "${operatorName}" failed: ${error instanceof Error ? error.message : String(error)}`, {
              code: "USER_FUNCTION_FAILED",
              domain: "user",
              operator: operatorName,
              retryable: true,
              cause: error,
            });
          }
          if (!isValidKey(key)) throw invalidKeyError(key, operatorName);
          return operatorIndexForKeyGroup(downstreamMaxParallelism, channels, keyGroupFor(key, downstreamMaxParallelism));
        },
      };
    }
  }
}
