/**
 * Time-to-live bookkeeping shared by the heap state kinds (Flink's TtlStateContext / TtlUtils).
 */
import { EddyError } from "../errors.ts";
import type { Clock } from "../time/types.ts";
import type { StateTtlConfig } from "./types.ts";

/** A user value with the processing time it was last written (or read, with OnReadAndWrite). */
export interface TtlValue<T> {
  v: T;
  t: number;
}

/** A descriptor's TTL config bound to the backend's clock. */
export class TtlPolicy {
  readonly ttlMs: number;
  readonly updateOnRead: boolean;
  readonly returnExpired: boolean;
  /** Entries checked per write; 0 disables incremental cleanup. */
  readonly incrementalCleanupSize: number;

  constructor(
    config: StateTtlConfig,
    readonly clock: Clock,
    stateName: string,
  ) {
    if (typeof config.ttlMs !== "number" || !(config.ttlMs > 0) || !Number.isFinite(config.ttlMs)) {
      throw new EddyError(
        `[eddy] the TTL of state "${stateName}" is ${String(config.ttlMs)}: expected a positive finite number of ms`,
        { code: "INVALID_ARGUMENT", domain: "user", retryable: false },
      );
    }
    this.ttlMs = config.ttlMs;
    this.updateOnRead = config.updateType === "OnReadAndWrite";
    this.returnExpired = config.stateVisibility === "ReturnExpiredIfNotCleanedUp";
    const size = config.incrementalCleanupSize ?? 5;
    if (!Number.isInteger(size) || size < 0) {
      throw new EddyError(
        `[eddy] the TTL incremental cleanup size of state "${stateName}" is ${String(size)}: expected an integer >= 0`,
        { code: "INVALID_ARGUMENT", domain: "user", retryable: false },
      );
    }
    this.incrementalCleanupSize = size;
  }

  now(): number {
    return this.clock.now();
  }

  /** Flink's TtlUtils.expired: last access + ttl <= now. */
  isExpired(lastAccess: number, now: number): boolean {
    return lastAccess + this.ttlMs <= now;
  }
}
