/**
 * The completed checkpoints of one job: written to storage, the newest few retained (older
 * ones discarded), the latest one kept at hand for failover. Savepoints are stored but never
 * discarded or counted against retention.
 */
import type { CheckpointStorage } from "./checkpoint-storage.ts";
import type { CompletedCheckpoint } from "./types.ts";

/** A completed checkpoint with where it was stored and its size. */
export interface StoredCheckpoint {
  readonly checkpoint: CompletedCheckpoint;
  readonly location: string;
  readonly bytes: number;
}

/** Retains completed checkpoints. */
export class CompletedCheckpointStore {
  private readonly retainedLocations: string[] = [];
  private latestStored: StoredCheckpoint | undefined;

  constructor(private readonly storage: CheckpointStorage, private readonly retained: number) {}

  /** Stores a checkpoint, then discards checkpoints beyond the retention count. */
  async add(checkpoint: CompletedCheckpoint): Promise<StoredCheckpoint> {
    const { location, bytes } = await this.storage.store(checkpoint);
    const stored = { checkpoint, location, bytes };
    this.latestStored = stored;
    if (!checkpoint.isSavepoint) {
      this.retainedLocations.push(location);
      while (this.retainedLocations.length > this.retained) await this.storage.discard(this.retainedLocations.shift()!);
    }
    return stored;
  }

  /** The newest completed checkpoint or savepoint of this run, for failover. */
  latest(): StoredCheckpoint | undefined {
    return this.latestStored;
  }

  /** The newest checkpoint a previous process left in storage for `jobKey`. */
  async recover(jobKey: string): Promise<StoredCheckpoint | undefined> {
    const locations = await this.storage.list(jobKey);
    for (let i = locations.length - 1; i >= 0; i--) {
      try {
        const checkpoint = await this.storage.load(locations[i]!);
        this.retainedLocations.push(...locations.slice(0, i + 1));
        const stored = { checkpoint, location: locations[i]!, bytes: 0 };
        this.latestStored = stored;
        return stored;
      } catch {
        // A checkpoint that cannot be read is skipped for the one before it.
      }
    }
    return undefined;
  }

  load(location: string): Promise<CompletedCheckpoint> {
    return this.storage.load(location);
  }
}
