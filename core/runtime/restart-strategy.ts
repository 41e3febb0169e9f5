/**
 * Restart strategies (Flink's): none, fixed delay, exponential delay, failure rate. A strategy
 * is configuration; `start()` makes the stateful tracker one job uses.
 */
import { checkArgument } from "../errors.ts";

/** A restart decision. */
export interface RestartDecision {
  readonly restart: boolean;
  readonly delayMs: number;
}

/** Decides after each failure whether and when to restart. */
export interface RestartTracker {
  onFailure(now: number): RestartDecision;
}

/** A restart strategy as configured. */
export interface RestartStrategy {
  readonly description: string;
  start(): RestartTracker;
}

/** Options of {@link RestartStrategies.exponentialDelay}. */
export interface ExponentialDelayOptions {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier?: number;
  /** After this long without a failure the backoff starts over. */
  readonly resetBackoffThresholdMs?: number;
  /** Random spread of each delay, as a fraction (0.1 = +-10%). */
  readonly jitterFactor?: number;
}

/** Factories of the restart strategies. */
export const RestartStrategies = {
  /** Fail the job at the first failure. */
  noRestart: (): RestartStrategy => {
    return { description: "NoRestartStrategy", start: () => ({ onFailure: () => ({ restart: false, delayMs: 0 }) }) };
  },

  /** Restart up to `attempts` times, waiting `delayMs` each time. */
  fixedDelay: (attempts: number, delayMs: number): RestartStrategy => {
    checkArgument(Number.isInteger(attempts) && attempts >= 0, `[eddy] fixedDelay: attempts must be an integer >= 0, got ${attempts}`);
    checkArgument(delayMs >= 0, `[eddy] fixedDelay: delay must be >= 0 ms, got ${delayMs}`);
    return {
      description: `FixedDelayRestartStrategy(maxNumberRestartAttempts=${attempts}, backoffTimeMS=${delayMs})`,
      start: () => {
        let used = 0;
        return { onFailure: () => (used < attempts ? { restart: true, delayMs: (used++, delayMs) } : { restart: false, delayMs: 0 }) };
      },
    };
  },

  /** Doubling (by `backoffMultiplier`) delays up to a maximum, reset after a quiet period; never gives up. */
  exponentialDelay: (options: ExponentialDelayOptions): RestartStrategy => {
    const { initialBackoffMs, maxBackoffMs } = options;
    const multiplier = options.backoffMultiplier ?? 2;
    const reset = options.resetBackoffThresholdMs ?? 3_600_000;
    const jitter = options.jitterFactor ?? 0.1;
    checkArgument(initialBackoffMs > 0 && maxBackoffMs >= initialBackoffMs, `[eddy] exponentialDelay: need 0 < initialBackoffMs <= maxBackoffMs, got ${initialBackoffMs} and ${maxBackoffMs}`);
    checkArgument(multiplier >= 1, `[eddy] exponentialDelay: backoffMultiplier must be >= 1, got ${multiplier}`);
    checkArgument(jitter >= 0 && jitter <= 1, `[eddy] exponentialDelay: jitterFactor must be in [0, 1], got ${jitter}`);
    return {
      description: `ExponentialDelayRestartStrategy(initialBackoffMS=${initialBackoffMs}, maxBackoffMS=${maxBackoffMs}, multiplier=${multiplier}, resetThresholdMS=${reset}, jitter=${jitter})`,
      start: () => {
        let current = initialBackoffMs;
        let lastFailure = Number.NEGATIVE_INFINITY;
        return {
          onFailure: (now) => {
            if (now - lastFailure >= reset) current = initialBackoffMs;
            else current = Math.min(maxBackoffMs, current * multiplier);
            lastFailure = now;
            const spread = current * jitter;
            return { restart: true, delayMs: Math.max(0, Math.round(current + (Math.random() * 2 - 1) * spread)) };
          },
        };
      },
    };
  },

  /** Restart unless more than `maxFailures` failures happened within `intervalMs`. */
  failureRate: (maxFailures: number, intervalMs: number, delayMs: number): RestartStrategy => {
    checkArgument(Number.isInteger(maxFailures) && maxFailures >= 1, `[eddy] failureRate: maxFailures must be an integer >= 1, got ${maxFailures}`);
    checkArgument(intervalMs > 0, `[eddy] failureRate: interval must be > 0 ms, got ${intervalMs}`);
    return {
      description: `FailureRateRestartStrategy(maxFailuresPerInterval=${maxFailures}, failureRateIntervalMS=${intervalMs}, backoffTimeMS=${delayMs})`,
      start: () => {
        const failures: number[] = [];
        return {
          onFailure: (now) => {
            failures.push(now);
            while (failures.length > 0 && failures[0]! <= now - intervalMs) failures.shift();
            return failures.length <= maxFailures ? { restart: true, delayMs } : { restart: false, delayMs: 0 };
          },
        };
      },
    };
  },
};
