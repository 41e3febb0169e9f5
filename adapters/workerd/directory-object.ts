/**
 * The directory of a deployment's jobs, one Durable Object: which jobs exist, in submission
 * order, and the limits on running jobs and the task slots they take (Flink's slot sharing: a
 * job takes as many as its widest vertex). A JobManager object is admitted here before its job
 * starts and reports when it ends; the object handles one call at a time, so submissions that
 * race cannot both take the last slots.
 */
import type { DurableObjectStorage } from "./durable-object.ts";

/** A job as the directory knows it. */
export interface DirectoryEntry {
  readonly id: string;
  readonly name: string;
  readonly submitted: number;
  readonly slots: number;
  /** Whether it has ended (FINISHED, CANCELED or FAILED). */
  ended: boolean;
}

/** Limits of a deployment. */
export interface JobLimitsConfig {
  readonly maxJobs: number;
  readonly maxSlots: number;
  /** Ended jobs kept in the list (default 100). */
  readonly retainEnded?: number;
}

/** The answer to an admission. */
export type Admission = { readonly ok: true } | { readonly ok: false; readonly error: string };

const PREFIX = "job/";

/** The state and logic of the directory object. */
export class JobDirectory {
  private entries: Map<string, DirectoryEntry> | undefined;

  constructor(private readonly storage: DurableObjectStorage, private readonly limits: JobLimitsConfig) {}

  /** Admits a job about to start, unless a limit is reached (then says which, and how to raise it). */
  async admit(entry: Omit<DirectoryEntry, "ended">): Promise<Admission> {
    const entries = await this.load();
    if (entries.has(entry.id)) return { ok: true };
    const running = [...entries.values()].filter((e) => !e.ended);
    if (running.length >= this.limits.maxJobs) {
      return { ok: false, error: `[eddy] too many jobs: ${running.length} of at most ${this.limits.maxJobs} are running; cancel or stop one, or raise the limit (the Worker's EDDY_MAX_JOBS)` };
    }
    const used = running.reduce((n, e) => n + e.slots, 0);
    if (entry.slots > this.limits.maxSlots) {
      return { ok: false, error: `[eddy] the job needs ${entry.slots} task slots, more than the ${this.limits.maxSlots} this deployment runs at once; lower its parallelism, or raise the limit (the Worker's EDDY_MAX_SLOTS)` };
    }
    if (used + entry.slots > this.limits.maxSlots) {
      return { ok: false, error: `[eddy] not enough free task slots: the job needs ${entry.slots}, ${this.limits.maxSlots - used} of ${this.limits.maxSlots} are free; cancel or stop a job, or raise the limit (the Worker's EDDY_MAX_SLOTS)` };
    }
    const admitted: DirectoryEntry = { ...entry, ended: false };
    entries.set(entry.id, admitted);
    await this.storage.put(`${PREFIX}${entry.id}`, admitted);
    return { ok: true };
  }

  /** A job ended: its slots are free. Ended jobs beyond the retention are dropped from the list. */
  async ended(id: string): Promise<void> {
    const entries = await this.load();
    const e = entries.get(id);
    if (e === undefined || e.ended) return;
    e.ended = true;
    await this.storage.put(`${PREFIX}${id}`, e);
    const ended = [...entries.values()].filter((x) => x.ended).sort((a, b) => a.submitted - b.submitted);
    const drop = ended.slice(0, Math.max(0, ended.length - (this.limits.retainEnded ?? 100)));
    for (const d of drop) entries.delete(d.id);
    if (drop.length > 0) await this.storage.delete(drop.map((d) => `${PREFIX}${d.id}`));
  }

  /** Every job, oldest first, and the limits. */
  async list(): Promise<{ jobs: DirectoryEntry[]; maxJobs: number; maxSlots: number }> {
    const entries = await this.load();
    return { jobs: [...entries.values()].sort((a, b) => a.submitted - b.submitted), maxJobs: this.limits.maxJobs, maxSlots: this.limits.maxSlots };
  }

  private async load(): Promise<Map<string, DirectoryEntry>> {
    if (this.entries === undefined) {
      const stored = await this.storage.list<DirectoryEntry>({ prefix: PREFIX });
      this.entries = new Map([...stored.values()].map((e) => [e.id, e]));
    }
    return this.entries;
  }
}
