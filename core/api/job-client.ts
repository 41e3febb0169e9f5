/**
 * A handle on a submitted job (Flink's JobClient): status, metrics, cancel, result.
 */
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobMetrics } from "../metrics/job-metrics.ts";
import type { LocalExecutor } from "../runtime/executor.ts";

/** Job lifecycle states, as Flink's. */
export type JobStatus = "CREATED" | "RUNNING" | "FAILING" | "RESTARTING" | "CANCELLING" | "CANCELED" | "FINISHED" | "FAILED";

/** What a finished job reports. */
export interface JobExecutionResult {
  readonly jobId: string;
  readonly jobName: string;
  /** Wall time from start to end, ms. */
  readonly netRuntime: number;
}

/** A running (or prepared) job. */
export class JobClient {
  private started: number | undefined;
  private finished: number | undefined;
  private result: Promise<JobExecutionResult> | undefined;
  private statusValue: JobStatus = "CREATED";
  private failure: unknown;

  /** @internal */
  constructor(readonly jobId: string, readonly jobName: string, readonly executor: LocalExecutor) {}

  get executionGraph(): ExecutionGraph {
    return this.executor.graph;
  }

  /** Starts running (idempotent). */
  start(): Promise<JobExecutionResult> {
    if (this.result === undefined) {
      this.started = Date.now();
      this.statusValue = "RUNNING";
      this.result = this.executor.run().then(
        () => {
          this.finished = Date.now();
          this.statusValue = this.executor.status === "CANCELED" ? "CANCELED" : "FINISHED";
          return { jobId: this.jobId, jobName: this.jobName, netRuntime: this.finished - this.started! };
        },
        (error: unknown) => {
          this.finished = Date.now();
          this.statusValue = "FAILED";
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
    if (this.statusValue === "RUNNING" && this.executor.status === "CANCELED") return "CANCELLING";
    return this.statusValue;
  }

  /** The failure cause of a FAILED job. */
  getFailure(): unknown {
    return this.failure;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.start();
  }

  /** Cancels the job; resolves when it has stopped. */
  async cancel(): Promise<void> {
    this.executor.cancel();
    if (this.result !== undefined) await this.result.catch(() => undefined);
    this.statusValue = "CANCELED";
  }

  metrics(): JobMetrics {
    return this.executor.metrics();
  }

  /** Start and end times (ms since epoch). */
  timestamps(): { start: number | undefined; end: number | undefined } {
    return { start: this.started, end: this.finished };
  }
}
