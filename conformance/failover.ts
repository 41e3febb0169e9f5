/**
 * What the fault-tolerance scenarios share: where a job's files live (memory on the local
 * TaskManager, a directory on disk for worker TaskManagers), collecting a running job's output,
 * and losing a TaskManager mid-job.
 */
import { CollectSink, type DataStream, type FileSystem, type JobClient, MemoryFileSystem, type StreamExecutionEnvironment } from "../core/index.ts";
import { check, waitUntil } from "./checks.ts";
import { type FileLocation, openFiles } from "./exactly-once-job.ts";
import type { ScenarioContext } from "./scenario.ts";

/** A job's files: where its TaskManagers find them, and the same files opened here. */
export interface JobFiles {
  readonly location: FileLocation;
  readonly fs: FileSystem;
}

/** Files for a job of `context`: a MemoryFileSystem here, or a fresh directory when worker TaskManagers must share them. */
export async function jobFiles(context: ScenarioContext): Promise<JobFiles> {
  if (context.cluster === undefined) {
    const fs = new MemoryFileSystem();
    return { location: { fs }, fs };
  }
  const dir = await context.tempDir!();
  return { location: { dir }, fs: await openFiles({ dir }) };
}

/** Why a scenario that loses a TaskManager cannot run in `context`, if it cannot. */
export function clusterFilesMissing(context: ScenarioContext): string | undefined {
  if (context.cluster !== undefined && context.tempDir === undefined) return "worker TaskManagers share the job's files through a directory, and this run has none";
  return undefined;
}

/** Starts the job of `stream`'s environment with a collect sink on `stream`, as executeAndCollect does, but returns the job too. */
export function collectAsync<T>(env: StreamExecutionEnvironment, stream: DataStream<T>, jobName: string): { job: JobClient; results: T[] } {
  const results: T[] = [];
  env.collecting(stream as DataStream<unknown>);
  stream.sinkTo(new CollectSink(results), "Collect Sink");
  return { job: env.executeAsync(jobName), results };
}

/** Flink's checkpoint statistics of a job, as far as the scenarios read them. */
export interface CheckpointFigures {
  readonly counts: { readonly completed: number; readonly restored: number };
  readonly latest: { readonly restored: { readonly id: number; readonly is_savepoint: boolean } | null };
  readonly history: readonly { readonly status: string; readonly unaligned: boolean; readonly is_savepoint: boolean }[];
}

/** The job's checkpoint statistics (it must have checkpointing enabled). */
export function checkpointFigures(job: JobClient): CheckpointFigures {
  return job.checkpointStats() as CheckpointFigures;
}

/** A cluster that can stop one of its TaskManagers on request (worker clusters can). */
interface StoppableCluster {
  kill(taskManager: string, reason: string): void;
}

const LOST_REASON = "stopped by the conformance scenario";

/**
 * Once `job` has completed a checkpoint, stops a TaskManager running it: its subtasks fail and
 * the restart strategy restores the job from that checkpoint. Resolves with the TaskManager's id.
 */
export async function loseTaskManagerAfterCheckpoint(context: ScenarioContext, job: JobClient): Promise<string> {
  const cluster = context.cluster as (StoppableCluster & NonNullable<ScenarioContext["cluster"]>) | undefined;
  check(cluster !== undefined && typeof cluster.kill === "function", "the cluster cannot stop a TaskManager on request");
  const ended = (): boolean => ["FINISHED", "FAILED", "CANCELED"].includes(job.getJobStatus());
  await waitUntil(() => checkpointFigures(job).counts.completed >= 1 || ended(), 20_000, "a completed checkpoint");
  check(!ended(), `the job was ${job.getJobStatus()} before a TaskManager could be stopped: its source must run longer than its first checkpoint`);
  const victim = cluster.taskManagers().find((tm) => tm.executions.length > 0);
  check(victim !== undefined, "no TaskManager runs the job");
  cluster.kill(victim.id, LOST_REASON);
  return victim.id;
}

/** The message of the failure {@link loseTaskManagerAfterCheckpoint} causes. */
export function lostTaskManagerMessage(taskManager: string): RegExp {
  return new RegExp(`TaskManager ${taskManager} was ${LOST_REASON}`);
}
