/**
 * The jobs a server knows: their clients by job id, the specs they came from, collected results,
 * and savepoint / stop / checkpoint triggers by trigger id (a client may choose the id, so a
 * retried request finds the first one instead of starting another).
 */
import type { JobClient, JobStatus } from "../core/index.ts";
import type { SavepointResult } from "../core/api/job-client.ts";
import { type EndedJobData, type JobView, endedJob } from "./ended-job.ts";
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
  /** Names the job's checkpoints in the server's checkpoint storage (jobs from specs). */
  readonly jobKey: string | undefined;
  readonly triggers: Map<string, Trigger>;
}

/** What the registry keeps beside a job, when there is more than its client. */
export interface JobExtras {
  readonly spec?: JobSpec;
  readonly results?: ResultBuffer;
  /** Submission time, ms since epoch (default now). */
  readonly submitted?: number;
  readonly jobKey?: string;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(["CANCELED", "FINISHED", "FAILED"]);

/** Whether a job has reached a final state. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** Jobs by id; keeps at most `retainFinished` finished jobs (the oldest go first). */
export class JobRegistry {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly evictListeners: ((entry: JobEntry) => void)[] = [];

  constructor(private readonly retainFinished = 100) {}

  /** Adds a started job. */
  add(client: JobClient, extra: JobExtras = {}): JobEntry {
    const entry = this.put(client, client, extra);
    const ended = (): void => {
      entry.client = endedJob(client);
      entry.live = undefined;
    };
    client.getJobExecutionResult().then(ended, ended);
    return entry;
  }

  /** Adds what a job that ended before this server started left (from a job store). */
  addEnded(job: EndedJobData, extra: JobExtras = {}): JobEntry {
    return this.put(endedJob(job), undefined, extra);
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

  /** Calls `listener` with each ended job dropped to keep the history within its bound. */
  onEvict(listener: (entry: JobEntry) => void): void {
    this.evictListeners.push(listener);
  }

  /** Cancels every job that is still running (server shutdown). */
  async shutdown(): Promise<void> {
    await Promise.all(this.all().filter((e) => !isTerminal(e.client.getJobStatus())).map((e) => e.live?.cancel()));
  }

  private evict(): void {
    const finished = this.all().filter((e) => isTerminal(e.client.getJobStatus()));
    for (const e of finished.slice(0, Math.max(0, finished.length - this.retainFinished))) {
      this.jobs.delete(e.id);
      for (const listener of this.evictListeners) listener(e);
    }
  }

  private put(client: JobView, live: JobClient | undefined, extra: JobExtras): JobEntry {
    const entry: JobEntry = {
      id: client.jobId,
      name: client.jobName,
      client,
      live,
      spec: extra.spec,
      results: extra.results,
      submitted: extra.submitted ?? Date.now(),
      jobKey: extra.jobKey,
      triggers: new Map(),
    };
    this.jobs.set(entry.id, entry);
    this.evict();
    return entry;
  }
}
