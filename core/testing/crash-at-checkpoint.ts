/**
 * A checkpoint storage that stands in for a process crash at a chosen checkpoint: tests of
 * exactly-once sinks use it to stop a job exactly between "pre-committed" and "committed".
 */
import type { CheckpointStorage } from "../checkpoint/checkpoint-storage.ts";
import type { CompletedCheckpoint } from "../checkpoint/types.ts";

/** Where, around storing checkpoint `checkpointId`, the crash happens. */
export interface CrashPoint {
  /** The first periodic checkpoint with an id at or above this one triggers the crash. */
  readonly checkpointId: number;
  /**
   * `true`: after its metadata is stored (the checkpoint is complete on disk, but no sink was
   * told to commit). `false`: before (every subtask pre-committed it, nothing records that).
   */
  readonly stored: boolean;
  /** Further condition, checked at each candidate checkpoint (e.g. "some output is pre-committed"). */
  readonly when?: () => boolean | Promise<boolean>;
}

/**
 * Wraps `storage`: at the crash point it calls `crash` (which should cancel the job) and never
 * settles the store, so the job never learns whether the checkpoint completed. Savepoints and
 * every other checkpoint pass through.
 *
 * @example
 * const storage = crashAtCheckpoint(new MemoryCheckpointStorage(), { checkpointId: 3, stored: true }, () => void job.cancel());
 */
export function crashAtCheckpoint(storage: CheckpointStorage, at: CrashPoint, crash: () => void): CheckpointStorage & { readonly crashed: boolean } {
  let crashed = false;
  const hang = new Promise<never>(() => undefined);
  return {
    get crashed() {
      return crashed;
    },
    async store(checkpoint: CompletedCheckpoint) {
      if (crashed) return hang;
      if (checkpoint.isSavepoint || checkpoint.checkpointId < at.checkpointId) return storage.store(checkpoint);
      if (at.when !== undefined && !(await at.when())) return storage.store(checkpoint);
      crashed = true;
      if (at.stored) await storage.store(checkpoint);
      crash();
      return hang;
    },
    load: (location) => storage.load(location),
    list: (jobKey) => storage.list(jobKey),
    discard: (location) => storage.discard(location),
  };
}
