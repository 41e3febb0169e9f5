/**
 * `env.enableCheckpointing(interval, options)`: the options and their defaults (Flink's).
 */
import { checkArgument } from "../errors.ts";
import type { CheckpointStorage } from "./checkpoint-storage.ts";
import { MemoryCheckpointStorage } from "./checkpoint-storage.ts";
import type { CheckpointingMode } from "./types.ts";

/** What a user may set. */
export interface CheckpointingOptions {
  /** EXACTLY_ONCE (default, aligned barriers) or AT_LEAST_ONCE. */
  readonly mode?: CheckpointingMode;
  /** A checkpoint not complete after this many ms is aborted (default 10 minutes). */
  readonly timeout?: number;
  /** Least time between the end of one checkpoint and the start of the next (default 0). */
  readonly minPauseBetweenCheckpoints?: number;
  /** Barriers overtake in-flight data; that data becomes part of the checkpoint (default false). */
  readonly unaligned?: boolean;
  /** Aligned checkpoints turn unaligned after this many ms of alignment (default 0: never). */
  readonly alignedCheckpointTimeout?: number;
  /** Where completed checkpoints go (default: in memory). */
  readonly storage?: CheckpointStorage;
  /** Completed checkpoints kept (default 1). */
  readonly retainedCheckpoints?: number;
  /** Failed checkpoints tolerated before the job fails (default: unlimited). */
  readonly tolerableFailedCheckpoints?: number;
  /** Name under which this job's checkpoints are stored (default: the job name). */
  readonly jobKey?: string;
}

/** The options with defaults applied. */
export interface CheckpointConfig {
  readonly intervalMs: number;
  readonly mode: CheckpointingMode;
  readonly timeoutMs: number;
  readonly minPauseMs: number;
  readonly unaligned: boolean;
  readonly alignedTimeoutMs: number;
  readonly storage: CheckpointStorage;
  readonly retained: number;
  readonly tolerableFailures: number;
  readonly jobKey: string | undefined;
}

/** Validates and fills in defaults. */
export function checkpointConfig(intervalMs: number, options: CheckpointingOptions = {}): CheckpointConfig {
  checkArgument(Number.isFinite(intervalMs) && intervalMs >= 10, `[eddy] enableCheckpointing: interval must be at least 10 ms, got ${intervalMs}`);
  const mode = options.mode ?? "EXACTLY_ONCE";
  checkArgument(mode === "EXACTLY_ONCE" || mode === "AT_LEAST_ONCE", `[eddy] enableCheckpointing: mode must be "EXACTLY_ONCE" or "AT_LEAST_ONCE", got "${String(mode)}"`);
  const timeoutMs = options.timeout ?? 600_000;
  checkArgument(timeoutMs > 0, `[eddy] enableCheckpointing: timeout must be > 0 ms, got ${timeoutMs}`);
  const minPauseMs = options.minPauseBetweenCheckpoints ?? 0;
  checkArgument(minPauseMs >= 0, `[eddy] enableCheckpointing: minPauseBetweenCheckpoints must be >= 0 ms, got ${minPauseMs}`);
  const unaligned = options.unaligned ?? false;
  checkArgument(!unaligned || mode === "EXACTLY_ONCE", "[eddy] enableCheckpointing: unaligned checkpoints need mode EXACTLY_ONCE");
  const alignedTimeoutMs = options.alignedCheckpointTimeout ?? 0;
  checkArgument(alignedTimeoutMs >= 0, `[eddy] enableCheckpointing: alignedCheckpointTimeout must be >= 0 ms, got ${alignedTimeoutMs}`);
  const retained = options.retainedCheckpoints ?? 1;
  checkArgument(Number.isInteger(retained) && retained >= 1, `[eddy] enableCheckpointing: retainedCheckpoints must be an integer >= 1, got ${retained}`);
  return {
    intervalMs,
    mode,
    timeoutMs,
    minPauseMs,
    unaligned,
    alignedTimeoutMs,
    storage: options.storage ?? new MemoryCheckpointStorage(),
    retained,
    tolerableFailures: options.tolerableFailedCheckpoints ?? Number.POSITIVE_INFINITY,
    jobKey: options.jobKey,
  };
}
