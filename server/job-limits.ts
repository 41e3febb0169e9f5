/**
 * Admission of submitted jobs: at most `maxJobs` jobs run at once, and together they take at most
 * `maxSlots` task slots. As in Flink with slot sharing, a job takes as many slots as the largest
 * parallelism of its vertices. On a cluster of TaskManagers the slots are the cluster's (or fewer,
 * with a lower `maxSlots`). Over a limit, a submission gets 429 naming the limit and how to raise
 * it.
 */
import type { Cluster } from "../core/index.ts";
import { checkArgument } from "../core/errors.ts";
import { HttpError } from "./errors.ts";
import { type JobEntry, type JobRegistry, isTerminal } from "./job-registry.ts";

/** Limits of {@link JobLimits}. */
export interface JobLimitOptions {
  /** Jobs running at once (default 32). */
  readonly maxJobs?: number;
  /**
   * Task slots taken by running jobs together (default: the cluster's slots; without a cluster
   * 256, the largest parallelism a spec may ask for).
   */
  readonly maxSlots?: number;
  /** The TaskManagers submitted jobs run on: their slots bound `maxSlots`. */
  readonly cluster?: Cluster;
}

/** Counts running jobs and their slots against the limits. */
export class JobLimits {
  readonly maxJobs: number;
  private readonly configuredSlots: number | undefined;
  private readonly cluster: Cluster | undefined;
  /** Submissions admitted but not yet in the registry (their job is being built). */
  private building = 0;

  constructor(private readonly registry: JobRegistry, options: JobLimitOptions = {}) {
    this.maxJobs = options.maxJobs ?? 32;
    this.configuredSlots = options.maxSlots;
    this.cluster = options.cluster;
    checkArgument(Number.isInteger(this.maxJobs) && this.maxJobs >= 1, `[eddy] maxJobs must be an integer >= 1, got ${this.maxJobs}`);
    checkArgument(this.configuredSlots === undefined || (Number.isInteger(this.configuredSlots) && this.configuredSlots >= 1), `[eddy] maxSlots must be an integer >= 1, got ${this.configuredSlots}`);
  }

  /** Task slots the running jobs may take together. */
  get maxSlots(): number {
    if (this.cluster === undefined) return this.configuredSlots ?? 256;
    return Math.min(this.cluster.slots, this.configuredSlots ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Slots taken by the jobs that have not ended. On a cluster only submitted specs run there: a
   * job added to the registry in code (the demo) runs where it was built.
   */
  slotsInUse(): number {
    return this.running()
      .filter((e) => this.cluster === undefined || e.spec !== undefined)
      .reduce((n, e) => n + e.client.executionGraph.slots, 0);
  }

  /** Slots a new job can take now: within the limit, and free on the TaskManagers. */
  slotsAvailable(): number {
    const free = this.cluster === undefined ? Number.POSITIVE_INFINITY : this.cluster.taskManagers().reduce((n, tm) => n + tm.freeSlots, 0);
    return Math.max(0, Math.min(this.maxSlots - this.slotsInUse(), free));
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
    const max = this.maxSlots;
    if (slots > max) {
      throw new HttpError(429, `[eddy] the job needs ${slots} task slots (its largest parallelism) but this server has ${max}${this.clusterBound() ? ` (${this.cluster!.taskManagers().length} TaskManagers)` : ""}; lower its parallelism or ${this.raise()}`);
    }
    const used = this.slotsInUse();
    if (used + slots > max) {
      throw new HttpError(429, `[eddy] not enough free task slots: the job needs ${slots} (its largest parallelism), ${used} of ${max} are taken; wait for a job to end, lower its parallelism, or ${this.raise()}`);
    }
  }

  /** Whether the cluster's slots, not `maxSlots`, are the bound. */
  private clusterBound(): boolean {
    return this.cluster !== undefined && (this.configuredSlots === undefined || this.cluster.slots < this.configuredSlots);
  }

  private raise(): string {
    return this.clusterBound() ? "start more TaskManagers or slots (eddy serve --task-managers N --slots S)" : "raise the limit (eddy serve --max-slots N)";
  }

  private running(): JobEntry[] {
    return this.registry.all().filter((e) => !isTerminal(e.client.getJobStatus()));
  }
}
