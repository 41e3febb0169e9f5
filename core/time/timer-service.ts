/**
 * The timer service of one keyed operator (Flink's InternalTimerServiceImpl): event-time timers
 * fire as the watermark passes them, processing-time timers through the ProcessingTimeService.
 * Timers are unique per (key, namespace, timestamp), fire in timestamp order (ties in
 * registration order), and are snapshotted per key group so that they rescale with the state.
 */
import { EddyError } from "../errors.ts";
import { type KeyGroupRange, keyGroupFor } from "../state/key-groups.ts";
import { decodeKey, encodeKey } from "../state/state-codec.ts";
import type { Key, Namespace } from "../state/types.ts";
import { type TimerBucket, TimerQueue } from "./timer-queue.ts";
import type { InternalTimerService, ProcessingTimeService, Timer, Triggerable } from "./types.ts";

/** What the timer service needs from the keyed backend: the current key, to read and to set. */
export interface KeyContext {
  setCurrentKey(key: Key): void;
  getCurrentKey(): Key;
}

/** Timers written per key group, like keyed state (`[domain "e"|"p", ts, ns, key]` tuples as JSON). */
export interface TimersSnapshot {
  readonly maxParallelism: number;
  readonly keyGroups: ReadonlyMap<number, string>;
}

/** Options for {@link HeapInternalTimerService}. */
export interface TimerServiceOptions {
  keyContext: KeyContext;
  triggerable: Triggerable;
  processingTime: ProcessingTimeService;
  maxParallelism: number;
  keyGroupRange: KeyGroupRange;
  /** Operator name, for error messages. */
  operator?: string;
}

/** In-memory {@link InternalTimerService}. */
export class HeapInternalTimerService implements InternalTimerService {
  private readonly eventTimers = new TimerQueue();
  private readonly processingTimers = new TimerQueue();
  private readonly keyContext: KeyContext;
  private readonly triggerable: Triggerable;
  private readonly processingTime: ProcessingTimeService;
  private readonly maxParallelism: number;
  private readonly keyGroupRange: KeyGroupRange;
  private readonly operator: string | undefined;
  private watermark = Number.NEGATIVE_INFINITY;
  private scheduledAt = Number.POSITIVE_INFINITY;
  private cancelScheduled: (() => void) | undefined;
  private firingProcessing = false;
  private readonly onProcessingTimeCallback = (now: number): void => this.onProcessingTime(now);

  constructor(options: TimerServiceOptions) {
    this.keyContext = options.keyContext;
    this.triggerable = options.triggerable;
    this.processingTime = options.processingTime;
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = options.keyGroupRange;
    this.operator = options.operator;
  }

  currentWatermark(): number {
    return this.watermark;
  }

  currentProcessingTime(): number {
    return this.processingTime.clock.now();
  }

  registerEventTimeTimer(namespace: Namespace, timestamp: number): void {
    if (timestamp !== timestamp) throw this.badTimestamp("registerEventTimeTimer");
    this.eventTimers.add(timestamp, namespace, this.keyContext.getCurrentKey());
  }

  deleteEventTimeTimer(namespace: Namespace, timestamp: number): void {
    this.eventTimers.delete(timestamp, namespace, this.keyContext.getCurrentKey());
  }

  registerProcessingTimeTimer(namespace: Namespace, timestamp: number): void {
    if (timestamp !== timestamp) throw this.badTimestamp("registerProcessingTimeTimer");
    if (this.processingTimers.add(timestamp, namespace, this.keyContext.getCurrentKey())) {
      this.scheduleProcessingTime(timestamp);
    }
  }

  deleteProcessingTimeTimer(namespace: Namespace, timestamp: number): void {
    // Like Flink, the scheduled callback stays; it finds nothing to fire and reschedules.
    this.processingTimers.delete(timestamp, namespace, this.keyContext.getCurrentKey());
  }

  /** Number of registered event-time timers. */
  numEventTimeTimers(): number {
    return this.eventTimers.size;
  }

  /** Number of registered processing-time timers. */
  numProcessingTimeTimers(): number {
    return this.processingTimers.size;
  }

  /** Whether an event-time timer is registered for the current key. */
  hasEventTimeTimer(namespace: Namespace, timestamp: number): boolean {
    return this.eventTimers.has(timestamp, namespace, this.keyContext.getCurrentKey());
  }

  /**
   * Sets the watermark and fires every event-time timer at or before it, including timers that
   * firing registers at or before it (as Flink does).
   */
  advanceWatermark(watermark: number): void {
    this.watermark = watermark;
    const queue = this.eventTimers;
    for (;;) {
      const ts = queue.peekTimestamp();
      if (ts === undefined || ts > watermark) return;
      this.fireBucket(queue, ts, queue.takeEarliest(), true);
    }
  }

  /** Sets the watermark a snapshot was taken at, firing nothing: its timers had fired before it. */
  restoreWatermark(watermark: number): void {
    this.watermark = watermark;
  }

  /** Fires every processing-time timer at or before `now`, then schedules the next one. */
  onProcessingTime(now: number): void {
    this.scheduledAt = Number.POSITIVE_INFINITY;
    this.cancelScheduled = undefined;
    const queue = this.processingTimers;
    this.firingProcessing = true;
    try {
      for (;;) {
        const ts = queue.peekTimestamp();
        if (ts === undefined || ts > now) break;
        this.fireBucket(queue, ts, queue.takeEarliest(), false);
      }
    } finally {
      this.firingProcessing = false;
      const next = queue.peekTimestamp();
      if (next !== undefined) this.scheduleProcessingTime(next);
    }
  }

  private fireBucket(queue: TimerQueue, timestamp: number, bucket: TimerBucket, eventTime: boolean): void {
    queue.firing = bucket;
    queue.firingTimestamp = timestamp;
    const keyContext = this.keyContext;
    const triggerable = this.triggerable;
    let completed = false;
    try {
      if (bucket.size === 1) {
        // One namespace (the usual window case): its keys are already in registration order.
        for (const [namespace, keys] of bucket) {
          for (const key of keys.keys()) {
            keys.delete(key);
            queue.size--;
            keyContext.setCurrentKey(key);
            const timer: Timer = { key, namespace, timestamp };
            if (eventTime) triggerable.onEventTime(timer);
            else triggerable.onProcessingTime(timer);
          }
        }
      } else {
        const order: [number, Namespace, Key][] = [];
        for (const [namespace, keys] of bucket) for (const [key, seq] of keys) order.push([seq, namespace, key]);
        order.sort((a, b) => a[0] - b[0]);
        for (const [, namespace, key] of order) {
          // Skip timers deleted by an earlier firing of this bucket.
          if (!bucket.get(namespace)?.delete(key)) continue;
          queue.size--;
          keyContext.setCurrentKey(key);
          const timer: Timer = { key, namespace, timestamp };
          if (eventTime) triggerable.onEventTime(timer);
          else triggerable.onProcessingTime(timer);
        }
      }
      completed = true;
    } finally {
      queue.firing = undefined;
      queue.firingTimestamp = Number.NaN;
      // A callback threw: keep the timers that did not fire, so a retry or snapshot still sees them.
      if (!completed) queue.restoreUnfired(timestamp, bucket);
    }
  }

  private scheduleProcessingTime(timestamp: number): void {
    if (this.firingProcessing || timestamp >= this.scheduledAt) return;
    this.cancelScheduled?.();
    this.scheduledAt = timestamp;
    this.cancelScheduled = this.processingTime.scheduleAt(timestamp, this.onProcessingTimeCallback);
  }

  /** Cancels the pending processing-time callback (on close). */
  dispose(): void {
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    this.scheduledAt = Number.POSITIVE_INFINITY;
  }

  /** Writes all timers per key group. */
  snapshot(): TimersSnapshot {
    const groups = new Map<number, unknown[]>();
    const maxParallelism = this.maxParallelism;
    const write = (domain: "e" | "p") => (timestamp: number, namespace: Namespace, key: Key) => {
      const group = keyGroupFor(key, maxParallelism);
      let list = groups.get(group);
      if (list === undefined) groups.set(group, (list = []));
      list.push([domain, encodeKey(timestamp), encodeKey(namespace), encodeKey(key)]);
    };
    this.eventTimers.forEach(write("e"));
    this.processingTimers.forEach(write("p"));
    const keyGroups = new Map<number, string>();
    for (const [group, list] of groups) keyGroups.set(group, JSON.stringify(list));
    return { maxParallelism, keyGroups };
  }

  /** Adds the timers of the key groups this subtask owns and schedules processing time. */
  restore(snapshots: readonly TimersSnapshot[]): void {
    const { start, end } = this.keyGroupRange;
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw new EddyError(
          `[eddy] timers were snapshotted with maxParallelism ${snapshot.maxParallelism} but are restored with ${this.maxParallelism}: expected the same maxParallelism`,
          { code: "STATE_INCOMPATIBLE", domain: "user", operator: this.operator, retryable: false },
        );
      }
      for (const [group, text] of snapshot.keyGroups) {
        if (group < start || group > end) continue;
        for (const [domain, ts, ns, key] of JSON.parse(text) as [string, unknown, unknown, unknown][]) {
          const queue = domain === "e" ? this.eventTimers : this.processingTimers;
          queue.add(decodeKey(ts) as number, decodeKey(ns) as Namespace, decodeKey(key));
        }
      }
    }
    const next = this.processingTimers.peekTimestamp();
    if (next !== undefined) this.scheduleProcessingTime(next);
  }

  private badTimestamp(method: string): EddyError {
    return new EddyError(`[eddy] ${method} got timestamp NaN: expected a number of ms`, {
      code: "INVALID_ARGUMENT",
      domain: "user",
      operator: this.operator,
      retryable: false,
    });
  }
}
