/**
 * Jobs that survive the server (Flink's JobManager high availability, on one node). A job's
 * record is stored before it starts and again once it ends. When the server starts, every job
 * that had not ended is started again under the same id and job key, so it resumes from its
 * latest completed checkpoint; ended jobs are listed with their final status; a job that cannot
 * be started again is shown FAILED with the reason. Stopping the server suspends its jobs rather
 * than ending them: the next start resumes them.
 */
import type { CheckpointStorage, JobClient } from "../core/index.ts";
import { type EndedJobData, endedJobData } from "./ended-job.ts";
import { HttpError, errorBody } from "./errors.ts";
import type { JobRegistry } from "./job-registry.ts";
import { JobSpec } from "./job-spec.ts";
import type { JobRecord, JobStore, UnreadableRecord } from "./job-store.ts";
import { fieldErrors } from "./validation.ts";

/** What {@link JobRecovery.recover} needs from the server. */
export interface RecoverOptions {
  readonly registry: JobRegistry;
  /** Where the jobs' checkpoints are. */
  readonly checkpoints: CheckpointStorage;
  /** Builds `spec` and starts it as the stored job (its id, job key and submission time). */
  readonly launch: (spec: JobSpec, record: JobRecord) => Promise<unknown>;
}

/** What a start found in the store, by job id. */
export interface RecoveredJobs {
  readonly resumed: readonly string[];
  readonly ended: readonly string[];
  /** Jobs that could not be started again (now FAILED). */
  readonly failed: readonly string[];
  readonly unreadable: readonly UnreadableRecord[];
}

/** Keeps a server's jobs in a {@link JobStore}. */
export class JobRecovery {
  private suspended = false;

  constructor(private readonly store: JobStore, registry: JobRegistry) {
    registry.onEvict((entry) => void this.store.remove(entry.id).catch((error: unknown) => console.error(`[eddy] could not forget ended job ${entry.id}: ${reason(error)}`)));
  }

  /** Stores a new job before it starts: from then on, a crash resumes it. */
  submitted(record: JobRecord): Promise<void> {
    return this.store.put(record);
  }

  /** Forgets a job that was stored but did not start. */
  forget(id: string): Promise<void> {
    return this.store.remove(id);
  }

  /** Stores how `client` ended once it ends, unless the server is stopping it. */
  watch(record: JobRecord, client: JobClient): void {
    const ended = (): void => {
      if (this.suspended) return;
      this.store.put({ ...record, ended: endedJobData(client) }).catch((error: unknown) => console.error(`[eddy] could not store the end of job ${record.id}: ${reason(error)}`));
    };
    client.getJobExecutionResult().then(ended, ended);
  }

  /** The server is stopping: the jobs it cancels from now on are suspended, to resume on the next start. */
  suspend(): void {
    this.suspended = true;
  }

  /** Brings back the stored jobs (call once, before the server takes submissions). */
  async recover(options: RecoverOptions): Promise<RecoveredJobs> {
    const { records, unreadable } = await this.store.list();
    const resumed: string[] = [];
    const ended: string[] = [];
    const failed: string[] = [];
    for (const record of records) {
      const extra = { spec: record.spec, submitted: record.submitted, jobKey: record.jobKey };
      if (record.ended !== undefined) {
        options.registry.addEnded(record.ended, extra);
        ended.push(record.id);
        continue;
      }
      try {
        await options.launch(await this.specToResume(record, options.checkpoints), record);
        resumed.push(record.id);
      } catch (error) {
        const left = failedToResume(record, `[eddy] job "${record.name}" (${record.id}) could not be resumed after the server restarted: ${reason(error)}`);
        await this.store.put({ ...record, ended: left });
        options.registry.addEnded(left, extra);
        failed.push(record.id);
      }
    }
    return { resumed, ended, failed, unreadable };
  }

  /**
   * The stored spec, validated again. Once the job has a completed checkpoint, that checkpoint
   * and not the savepoint it first started from is where it resumes (the job master recovers
   * the latest checkpoint of its job key when no savepoint is set).
   */
  private async specToResume(record: JobRecord, checkpoints: CheckpointStorage): Promise<JobSpec> {
    const parsed = JobSpec.safeParse(record.spec);
    if (!parsed.success) throw new HttpError(400, "[eddy] its stored spec is not valid", fieldErrors(parsed.error));
    if (parsed.data.savepoint === undefined || (await checkpoints.list(record.jobKey)).length === 0) return parsed.data;
    const { savepoint: _replaced, ...spec } = parsed.data;
    return spec;
  }
}

/** What a stored job that could not be started again leaves: FAILED, with `message` as its cause. */
function failedToResume(record: JobRecord, message: string): EndedJobData {
  const now = Date.now();
  return {
    jobId: record.id,
    jobName: record.name,
    // It holds no slots.
    executionGraph: { slots: 0, jobGraph: { vertices: record.plan } },
    status: "FAILED",
    exceptions: [{ exceptionName: "EddyError", message, stacktrace: `EddyError: ${message}`, timestamp: now, taskName: null, attempt: 0 }],
    metrics: { vertices: [], sourceRecordsPerSecond: 0, currentWatermark: Number.NEGATIVE_INFINITY },
    checkpoints: undefined,
    timestamps: { start: record.submitted, end: now, status: { CREATED: record.submitted, FAILED: now } },
  };
}

/** An error as one line, with the bad fields of a spec. */
function reason(error: unknown): string {
  const lines = error instanceof HttpError ? errorBody(error).errors : [error instanceof Error ? error.message : String(error)];
  return lines.map((l) => l.replace(/^\[eddy\] /, "")).join("; ");
}
