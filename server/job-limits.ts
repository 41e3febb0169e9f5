/**
 * Admission of submitted jobs: at most `maxJobs` jobs run at once, and together they take at most
 * `maxSlots` task slots. As in Flink with slot sharing, a job takes as many slots as the largest
 * parallelism of its vertices. Over a limit, a submission gets 429 naming the limit and how to
 * raise it.
 */
import { checkArgument } from "../core/errors.ts";
import { HttpError } from "./errors.ts";
import { type JobRegistry, isTerminal } from "./job-registry.ts";

/** Limits of {@link JobLimits}. */
export interface JobLimitOptions {
  /** Jobs running at once (default 32). */
  readonly maxJobs?: number;
  /** Task slots taken by running jobs together (default 256, the largest parallelism a spec may ask for). */
  readonly maxSlots?: number;
}

/** Counts running jobs and their slots against the limits. */
export class JobLimits {
  readonly maxJobs: number;
  readonly maxSlots: number;
  /** Submissions admitted but not yet in the registry (their job is being built). */
  private building = 0;

  constructor(private readonly registry: JobRegistry, options: JobLimitOptions = {}) {
    this.maxJobs = options.maxJobs ?? 32;
    this.maxSlots = options.maxSlots ?? 256;
    checkArgument(Number.isInteger(this.maxJobs) && this.maxJobs >= 1, `[eddy] maxJobs must be an integer >= 1, got ${this.maxJobs}`);
    checkArgument(Number.isInteger(this.maxSlots) && this.maxSlots >= 1, `[eddy] maxSlots must be an integer >= 1, got ${this.maxSlots}`);
  }

  /** Slots taken by the jobs that have not ended. */
  slotsInUse(): number {
    return this.running().reduce((n, e) => n + e.client.executionGraph.slots, 0);
  }

  /**
   * Holds a place for a job about to be built (429 when every place is taken); call the returned
   * function once it is in the registry or has failed to build.
   */
  admitJob(): () => void {
    const running = this.running().length + this.building;
    if (running >= this.maxJobs) {
      throw new HttpError(429, `[eddy] too many jobs: ${running} of at most ${this.maxJobs} are running; cancel or stop one, or raise the limit (eddy serve --max-jobs N)`);
    }
    this.building++;
    let released = false;
    return () => {
      if (!released) this.building--;
      released = true;
    };
  }

  /** Throws 429 unless `slots` more task slots are free. */
  checkSlots(slots: number): void {
    if (slots > this.maxSlots) {
      throw new HttpError(429, `[eddy] the job needs ${slots} task slots (its largest parallelism) but this server has ${this.maxSlots}; lower its parallelism or raise the limit (eddy serve --max-slots N)`);
    }
    const used = this.slotsInUse();
    if (used + slots > this.maxSlots) {
      throw new HttpError(429, `[eddy] not enough free task slots: the job needs ${slots} (its largest parallelism), ${used} of ${this.maxSlots} are taken; wait for a job to end, lower its parallelism, or raise the limit (eddy serve --max-slots N)`);
    }
  }

  private running() {
    return this.registry.all().filter((e) => !isTerminal(e.client.getJobStatus()));
  }
}
