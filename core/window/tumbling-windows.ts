/**
 * Tumbling windows: fixed-size, non-overlapping (Flink's TumblingEventTimeWindows and
 * TumblingProcessingTimeWindows).
 */
import { EddyError } from "../errors.ts";
import { FixedSizeTimeWindowAssigner, type WindowAssignerContext } from "./window-assigner.ts";
import { EventTimeTrigger } from "./event-time-trigger.ts";
import { ProcessingTimeTrigger } from "./processing-time-trigger.ts";
import { checkPositiveMillis, checkWindowOffset, TimeWindow } from "./time-window.ts";
import type { Trigger } from "./trigger.ts";

/** Throws unless `timestamp` is a number: event-time windows need timestamps. */
export function checkHasTimestamp(timestamp: number, assigner: string): void {
  if (Number.isNaN(timestamp)) {
    throw new EddyError(
      `[eddy] ${assigner}: the record has no timestamp; assign timestamps and watermarks (a WatermarkStrategy) before event-time windows`,
      { code: "MISSING_TIMESTAMP", domain: "user", operator: assigner, retryable: false },
    );
  }
}

abstract class TumblingWindows<T> extends FixedSizeTimeWindowAssigner<T> {
  // One shared one-element array per window: the common case allocates nothing per record.
  private singles = new Map<number, readonly TimeWindow[]>();

  /** Shift of the window starts in ms. */
  readonly offset: number;

  protected constructor(size: number, offset: number, name: string) {
    checkPositiveMillis(size, "size", name);
    checkWindowOffset(offset, size, "size", name);
    super(size);
    this.offset = offset;
  }

  private lastStart = Number.NaN;
  private lastWindows: readonly TimeWindow[] = [];

  protected windowsAt(time: number): readonly TimeWindow[] {
    const start = TimeWindow.getWindowStartWithOffset(time, this.offset, this.size);
    // Consecutive records mostly fall into the same window: skip the map lookup then.
    if (start === this.lastStart) return this.lastWindows;
    let windows = this.singles.get(start);
    if (windows === undefined) {
      if (this.singles.size >= 4096) this.singles = new Map();
      windows = [this.windowEndingAt(start + this.size)];
      this.singles.set(start, windows);
    }
    this.lastStart = start;
    this.lastWindows = windows;
    return windows;
  }
}

/**
 * Assigns each element to the one event-time window of `size` ms holding its timestamp.
 * @example
 * stream.keyBy((c) => c.page).window(TumblingEventTimeWindows.of(60_000));
 */
export class TumblingEventTimeWindows<T = unknown> extends TumblingWindows<T> {
  private constructor(size: number, offset: number) {
    super(size, offset, "TumblingEventTimeWindows");
  }

  /** Windows of `size` ms, shifted by `offset` ms (e.g. for time zones). */
  static of<T = unknown>(size: number, offset = 0): TumblingEventTimeWindows<T> {
    return new TumblingEventTimeWindows<T>(size, offset);
  }

  assignWindows(_element: T, timestamp: number, _context?: WindowAssignerContext): readonly TimeWindow[] {
    checkHasTimestamp(timestamp, "TumblingEventTimeWindows");
    return this.windowsAt(timestamp);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}

/** Assigns each element to the one processing-time window of `size` ms holding the current time. */
export class TumblingProcessingTimeWindows<T = unknown> extends TumblingWindows<T> {
  private constructor(size: number, offset: number) {
    super(size, offset, "TumblingProcessingTimeWindows");
  }

  /** Windows of `size` ms, shifted by `offset` ms. */
  static of<T = unknown>(size: number, offset = 0): TumblingProcessingTimeWindows<T> {
    return new TumblingProcessingTimeWindows<T>(size, offset);
  }

  assignWindows(_element: T, _timestamp: number, context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowsAt(context.currentProcessingTime());
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}
