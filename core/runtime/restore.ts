/**
 * Maps a completed checkpoint onto a job about to start: operator state by operator id (all
 * old subtasks' snapshots, so keyed state rescales by key group), reader splits by subtask
 * (spread round-robin when the parallelism changed), enumerator state, and in-flight channel
 * data of unaligned checkpoints. State of an operator the job no longer has is an error naming
 * it, unless allowNonRestoredState is set.
 */
import { EddyError } from "../errors.ts";
import type { OperatorSnapshot } from "../checkpoint/types.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { RestoreSettings } from "./executor.ts";
import type { ChannelItem } from "./stream-element.ts";
import { replayItems } from "./in-flight-data.ts";
import type { ChannelState } from "../checkpoint/types.ts";

/** Restored state, indexed the way the executor looks it up. */
export interface RestoredState {
  readonly operators: Map<string, OperatorSnapshot[]>;
  /** `<vertexId>#<subtask>` -> splits. */
  readonly splits: Map<string, unknown[]>;
  readonly enumerators: Map<string, unknown>;
  /** Channel key -> records and watermarks to replay, in order, before anything new. */
  readonly channels: Map<string, ChannelItem[]>;
}

/** Builds the restored state of `graph` from a checkpoint. */
export function restoredStateFor(graph: ExecutionGraph, settings: RestoreSettings): RestoredState {
  const { checkpoint, allowNonRestoredState } = settings;
  const job = graph.jobGraph;
  const knownOperators = new Set(job.operatorIds.values());
  const vertices = new Map(job.vertices.map((v) => [v.id, v]));
  const state: RestoredState = { operators: new Map(), splits: new Map(), enumerators: new Map(), channels: new Map() };
  const missing = (id: string): void => {
    if (allowNonRestoredState) return;
    const name = checkpoint.operatorNames[id] ?? id;
    throw new EddyError(
      `[eddy] the ${checkpoint.isSavepoint ? "savepoint" : "checkpoint"} has state for operator "${name}" (id ${id}), which this job does not have: give the operator the same uid() as before, or restore with allowNonRestoredState`,
      { code: "NON_RESTORED_STATE", domain: "user", retryable: false, operator: name },
    );
  };
  const oldParallelism = new Map<string, number>();
  for (const t of checkpoint.tasks) oldParallelism.set(t.vertexId, (oldParallelism.get(t.vertexId) ?? 0) + 1);
  const splitsByVertex = new Map<string, unknown[][]>();
  const ordered: ChannelState[] = [];
  for (const task of checkpoint.tasks) {
    for (const op of task.operators) {
      if (!knownOperators.has(op.operatorId)) {
        missing(op.operatorId);
        continue;
      }
      const list = state.operators.get(op.operatorId) ?? [];
      list.push(op);
      state.operators.set(op.operatorId, list);
    }
    if (task.splits !== undefined) {
      if (!vertices.has(task.vertexId)) {
        missing(task.vertexId);
        continue;
      }
      const list = splitsByVertex.get(task.vertexId) ?? [];
      list[task.subtaskIndex] = [...task.splits];
      splitsByVertex.set(task.vertexId, list);
    }
    for (const cs of task.channelState ?? []) ordered.push(cs);
  }
  for (const [vertexId, perSubtask] of splitsByVertex) {
    const p = vertices.get(vertexId)!.parallelism;
    if (p === perSubtask.length) {
      perSubtask.forEach((splits, i) => state.splits.set(`${vertexId}#${i}`, splits ?? []));
    } else {
      const all = perSubtask.flat();
      for (let i = 0; i < p; i++) state.splits.set(`${vertexId}#${i}`, all.filter((_, k) => k % p === i));
    }
  }
  for (const [vertexId, enumState] of Object.entries(checkpoint.enumerators)) {
    if (vertices.has(vertexId)) state.enumerators.set(vertexId, enumState);
    else missing(vertexId);
  }
  if (ordered.length > 0) {
    for (const [vertexId, p] of oldParallelism) {
      const v = vertices.get(vertexId);
      if (v !== undefined && v.parallelism !== p) {
        throw new EddyError(`[eddy] the checkpoint holds in-flight data (unaligned) and operator "${v.name}" changed parallelism from ${p} to ${v.parallelism}: restore it with the old parallelism, or take an aligned savepoint first`, {
          code: "INCOMPATIBLE_RESTORE",
          domain: "user",
          retryable: false,
        });
      }
    }
    ordered.sort((a, b) => a.order - b.order);
    for (const cs of ordered) {
      const list = state.channels.get(cs.channel) ?? [];
      for (const item of replayItems(cs)) list.push(item);
      state.channels.set(cs.channel, list);
    }
  }
  return state;
}
