/**
 * Time: clocks, watermark generators and the timer service contract.
 */
import type { Key, Namespace } from "../state/types.ts";

/** A source of processing time. Injected so tests can use a manual clock. */
export interface Clock {
  /** Milliseconds since the epoch (or any monotonic origin for manual clocks). */
  now(): number;
}

/** Where a watermark generator emits (Flink's WatermarkOutput). */
export interface WatermarkOutput {
  emitWatermark(timestamp: number): void;
  /** Marks this output idle: it is left out of downstream watermark minimums until it emits again. */
  markIdle(): void;
  markActive(): void;
}

/** Flink's WatermarkGenerator: sees every event, and is asked periodically for a watermark. */
export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** Extracts an event-time timestamp (ms) from an element. */
export type TimestampAssigner<T> = (element: T, recordTimestamp: number) => number;

/** A registered timer: fires for `key` and `namespace` at `timestamp`. */
export interface Timer<N extends Namespace = Namespace> {
  readonly key: Key;
  readonly namespace: N;
  readonly timestamp: number;
}

/** What a timer service calls when timers fire. The backend's current key is set to the timer's key first. */
export interface Triggerable {
  onEventTime(timer: Timer): void;
  onProcessingTime(timer: Timer): void;
}

/**
 * Timers of one keyed operator, scoped to the backend's current key (Flink's InternalTimerService).
 * A timer is unique per (key, namespace, timestamp): registering it twice keeps one.
 */
export interface InternalTimerService {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(namespace: Namespace, timestamp: number): void;
  deleteEventTimeTimer(namespace: Namespace, timestamp: number): void;
  registerProcessingTimeTimer(namespace: Namespace, timestamp: number): void;
  deleteProcessingTimeTimer(namespace: Namespace, timestamp: number): void;
}

/** Schedules processing-time callbacks; the runtime implements it over its clock and mailbox. */
export interface ProcessingTimeService {
  readonly clock: Clock;
  /** Runs `callback` (in the task's mailbox) once the clock reaches `timestamp`. Returns a cancel function. */
  scheduleAt(timestamp: number, callback: (now: number) => void): () => void;
}
