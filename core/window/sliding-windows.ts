/**
 * Sliding windows: fixed-size windows starting every `slide` ms, so they overlap
 * (Flink's SlidingEventTimeWindows and SlidingProcessingTimeWindows).
 */
import { FixedSizeTimeWindowAssigner, type WindowAssignerContext } from "./window-assigner.ts";
import { EventTimeTrigger } from "./event-time-trigger.ts";
import { ProcessingTimeTrigger } from "./processing-time-trigger.ts";
import { checkPositiveMillis, checkWindowOffset, TimeWindow } from "./time-window.ts";
import { checkHasTimestamp } from "./tumbling-windows.ts";
import type { Trigger } from "./trigger.ts";

abstract class SlidingWindows<T> extends FixedSizeTimeWindowAssigner<T> {
  // When slide divides size, the windows of a timestamp depend only on its last window start.
  private readonly cacheable: boolean;
  private byLastStart = new Map<number, readonly TimeWindow[]>();

  /** Distance between window starts in ms. */
  readonly slide: number;
  /** Shift of the window starts in ms. */
  readonly offset: number;

  protected constructor(size: number, slide: number, offset: number, name: string) {
    checkPositiveMillis(size, "size", name);
    checkPositiveMillis(slide, "slide", name);
    checkWindowOffset(offset, slide, "slide", name);
    super(size);
    this.slide = slide;
    this.offset = offset;
    this.cacheable = size % slide === 0;
  }

  protected windowsAt(time: number): readonly TimeWindow[] {
    const lastStart = TimeWindow.getWindowStartWithOffset(time, this.offset, this.slide);
    if (!this.cacheable) return this.compute(time, lastStart);
    let windows = this.byLastStart.get(lastStart);
    if (windows === undefined) {
      if (this.byLastStart.size >= 4096) this.byLastStart = new Map();
      windows = this.compute(time, lastStart);
      this.byLastStart.set(lastStart, windows);
    }
    return windows;
  }

  // Latest window first, as Flink lists them.
  private compute(time: number, lastStart: number): TimeWindow[] {
    const windows: TimeWindow[] = [];
    for (let start = lastStart; start > time - this.size; start -= this.slide) {
      windows.push(this.windowEndingAt(start + this.size));
    }
    return windows;
  }
}

/**
 * Assigns each element to every event-time window of `size` ms (one starting each `slide` ms)
 * that holds its timestamp.
 * @example
 * stream.keyBy((c) => c.page).window(SlidingEventTimeWindows.of(60_000, 10_000));
 */
export class SlidingEventTimeWindows<T = unknown> extends SlidingWindows<T> {
  private constructor(size: number, slide: number, offset: number) {
    super(size, slide, offset, "SlidingEventTimeWindows");
  }

  /** Windows of `size` ms starting every `slide` ms, shifted by `offset` ms. */
  static of<T = unknown>(size: number, slide: number, offset = 0): SlidingEventTimeWindows<T> {
    return new SlidingEventTimeWindows<T>(size, slide, offset);
  }

  assignWindows(_element: T, timestamp: number, _context?: WindowAssignerContext): readonly TimeWindow[] {
    checkHasTimestamp(timestamp, "SlidingEventTimeWindows");
    return this.windowsAt(timestamp);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}

/** Sliding windows over processing time. */
export class SlidingProcessingTimeWindows<T = unknown> extends SlidingWindows<T> {
  private constructor(size: number, slide: number, offset: number) {
    super(size, slide, offset, "SlidingProcessingTimeWindows");
  }

  /** Windows of `size` ms starting every `slide` ms, shifted by `offset` ms. */
  static of<T = unknown>(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows<T> {
    return new SlidingProcessingTimeWindows<T>(size, slide, offset);
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
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}
