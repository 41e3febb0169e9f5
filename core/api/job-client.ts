/**
 * A handle on a submitted job (Flink's JobClient): status, metrics, checkpoints, savepoints,
 * stop, cancel, result.
 */
import type { StoredCheckpoint } from "../checkpoint/completed-checkpoint-store.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobMetrics } from "../metrics/job-metrics.ts";
import type { JobExecution } from "../runtime/job-execution.ts";
import type { RateControllerState } from "../runtime/rate/rate-controller.ts";
import { LocalExecutor } from "../runtime/executor.ts";
import { EddyError } from "../errors.ts";
import type { ExceptionEntry, JobMaster, JobStatus } from "../runtime/job-master.ts";

export type { JobStatus, ExceptionEntry } from "../runtime/job-master.ts";

/** What a finished job reports. */
export interface JobExecutionResult {
  readonly jobId: string;
  readonly jobName: string;
  /** Wall time from start to end, ms. */
  readonly netRuntime: number;
}

/** Where a savepoint or checkpoint went. */
export interface SavepointResult {
  readonly checkpointId: number;
  /** Pass it to `env.setSavepointRestore(location)` to start a job from it. */
  readonly location: string;
  readonly bytes: number;
}

/** A running (or prepared) job. */
export class JobClient {
  private started: number | undefined;
  private finished: number | undefined;
  private result: Promise<JobExecutionResult> | undefined;
  private failure: unknown;

  /** @internal */
  constructor(readonly jobId: string, readonly jobName: string, readonly master: JobMaster) {}

  /** The current attempt's execution, wherever its subtasks run. */
  get execution(): JobExecution {
    return this.master.executor;
  }

  /** The current attempt's local executor, to step in tests; a job on TaskManagers elsewhere has none. */
  get executor(): LocalExecutor {
    const e = this.master.executor;
    if (!(e instanceof LocalExecutor)) {
      throw new EddyError(`[eddy] job "${this.jobName}" runs on TaskManagers in other isolates: only a job in this isolate can be stepped`, { code: "NOT_LOCAL", domain: "user", retryable: false });
    }
    return e;
  }

  get executionGraph(): ExecutionGraph {
    return this.master.executor.graph;
  }

  /** Starts running (idempotent). */
  start(): Promise<JobExecutionResult> {
    if (this.result === undefined) {
      this.started = Date.now();
      this.result = this.master.run().then(
        () => {
          this.finished = Date.now();
          return { jobId: this.jobId, jobName: this.jobName, netRuntime: this.finished - this.started! };
        },
        (error: unknown) => {
          this.finished = Date.now();
          this.failure = error;
          throw error;
        },
      );
      // The caller may never await the result (fire-and-forget jobs); keep the rejection handled here.
      this.result.catch(() => undefined);
    }
    return this.result;
  }

  getJobStatus(): JobStatus {
    return this.master.status;
  }

  /** The failure cause of a FAILED job. */
  getFailure(): unknown {
    return this.failure;
  }

  /** Every failure so far (restarts included), oldest first. */
  getExceptionHistory(): readonly ExceptionEntry[] {
    return this.master.exceptions;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.start();
  }

  /** Cancels the job; resolves when it has stopped. */
  async cancel(): Promise<void> {
    this.master.cancel();
    if (this.result !== undefined) await this.result.catch(() => undefined);
  }

  metrics(): JobMetrics {
    return this.master.metrics();
  }

  /** Takes a checkpoint now. */
  async triggerCheckpoint(): Promise<SavepointResult> {
    return toResult(await this.master.triggerCheckpoint());
  }

  /** Takes a savepoint; the job goes on. */
  async triggerSavepoint(): Promise<SavepointResult> {
    return toResult(await this.master.triggerSavepoint());
  }

  /** Takes a savepoint and ends the job; `drain` first fires every window with the final watermark. */
  async stopWithSavepoint(options: { drain?: boolean } = {}): Promise<SavepointResult> {
    const result = toResult(await this.master.stopWithSavepoint(options.drain ?? false));
    if (this.result !== undefined) await this.result.catch(() => undefined);
    return result;
  }

  /** The rate controllers of the job's sources that have one, by source vertex id (their rates and inputs). */
  rateControllers(): ReadonlyMap<string, { state(): RateControllerState }> {
    return this.master.rateControllers;
  }

  /** Flink-shaped checkpoint statistics (counts, summary, latest, history); undefined without checkpointing. */
  checkpointStats(): object | undefined {
    return this.master.coordinator?.stats.toJSON();
  }

  /** Start and end times (ms since epoch), and when each status was entered. */
  timestamps(): { start: number | undefined; end: number | undefined; status: Partial<Record<JobStatus, number>> } {
    return { start: this.started, end: this.finished, status: { ...this.master.timestamps } };
  }
}

function toResult(stored: StoredCheckpoint): SavepointResult {
  return { checkpointId: stored.checkpoint.checkpointId, location: stored.location, bytes: stored.bytes };
}
