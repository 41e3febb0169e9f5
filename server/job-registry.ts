/**
 * The jobs a server knows: their clients by job id, the specs they came from, collected results,
 * and savepoint / stop / checkpoint triggers by trigger id (a client may choose the id, so a
 * retried request finds the first one instead of starting another).
 */
import type { JobClient, JobStatus } from "../core/index.ts";
import type { SavepointResult } from "../core/api/job-client.ts";
import { type JobView, endedJob } from "./ended-job.ts";
import type { ResultBuffer } from "./result-buffer.ts";
import type { JobSpec } from "./job-spec.ts";

/** One asynchronous operation on a job, as Flink's `/jobs/:id/savepoints/:triggerid` reports it. */
export interface Trigger {
  readonly id: string;
  readonly kind: "savepoint" | "stop" | "checkpoint";
  status: "IN_PROGRESS" | "COMPLETED";
  result?: SavepointResult;
  failure?: string;
}

/** A job and what the server keeps beside it. */
export interface JobEntry {
  readonly id: string;
  readonly name: string;
  /** What the API reads: the running job's client, then what it left once it ended. */
  client: JobView;
  /** The running job, to cancel or snapshot; undefined once it has ended, so its runtime can be collected. */
  live: JobClient | undefined;
  readonly spec: JobSpec | undefined;
  readonly results: ResultBuffer | undefined;
  readonly submitted: number;
  readonly triggers: Map<string, Trigger>;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(["CANCELED", "FINISHED", "FAILED"]);

/** Whether a job has reached a final state. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** Jobs by id; keeps at most `retainFinished` finished jobs (the oldest go first). */
export class JobRegistry {
  private readonly jobs = new Map<string, JobEntry>();

  constructor(private readonly retainFinished = 100) {}

  /** Adds a started job. */
  add(client: JobClient, extra: { spec?: JobSpec; results?: ResultBuffer } = {}): JobEntry {
    const entry: JobEntry = { id: client.jobId, name: client.jobName, client, live: client, spec: extra.spec, results: extra.results, submitted: Date.now(), triggers: new Map() };
    this.jobs.set(entry.id, entry);
    const ended = (): void => {
      entry.client = endedJob(client);
      entry.live = undefined;
    };
    client.getJobExecutionResult().then(ended, ended);
    this.evict();
    return entry;
  }

  get(id: string): JobEntry | undefined {
    return this.jobs.get(id);
  }

  all(): JobEntry[] {
    return [...this.jobs.values()];
  }

  /**
   * Starts `run` as trigger `id` (fresh when omitted); a known id returns the existing trigger,
   * so retries are idempotent.
   */
  trigger(entry: JobEntry, kind: Trigger["kind"], id: string, run: () => Promise<SavepointResult>): Trigger {
    const existing = entry.triggers.get(id);
    if (existing !== undefined) return existing;
    const t: Trigger = { id, kind, status: "IN_PROGRESS" };
    entry.triggers.set(id, t);
    run().then(
      (result) => {
        t.status = "COMPLETED";
        t.result = result;
      },
      (error: unknown) => {
        t.status = "COMPLETED";
        t.failure = error instanceof Error ? error.message : String(error);
      },
    );
    return t;
  }

  /** Cancels every job that is still running (server shutdown). */
  async shutdown(): Promise<void> {
    await Promise.all(this.all().filter((e) => !isTerminal(e.client.getJobStatus())).map((e) => e.live?.cancel()));
  }

  private evict(): void {
    const finished = this.all().filter((e) => isTerminal(e.client.getJobStatus()));
    for (const e of finished.slice(0, Math.max(0, finished.length - this.retainFinished))) this.jobs.delete(e.id);
  }
}
