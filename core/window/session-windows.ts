/**
 * Session windows: one window per burst of activity, closed by a gap of inactivity
 * (Flink's EventTimeSessionWindows and ProcessingTimeSessionWindows).
 */
import { MergingWindowAssigner, type WindowAssignerContext } from "./window-assigner.ts";
import { EventTimeTrigger } from "./event-time-trigger.ts";
import { ProcessingTimeTrigger } from "./processing-time-trigger.ts";
import { checkPositiveMillis, TimeWindow } from "./time-window.ts";
import { checkHasTimestamp } from "./tumbling-windows.ts";
import type { Trigger } from "./trigger.ts";

abstract class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  /** Inactivity that closes a session, in ms. */
  readonly gap: number;

  protected constructor(gap: number, name: string) {
    checkPositiveMillis(gap, "gap", name);
    super();
    this.gap = gap;
  }

  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    TimeWindow.mergeWindows(windows, callback);
  }
}

/**
 * Assigns each element the window `[timestamp, timestamp + gap)`; windows that overlap or
 * touch merge into one session.
 * @example
 * stream.keyBy((c) => c.user).window(EventTimeSessionWindows.withGap(30 * 60_000));
 */
export class EventTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  private constructor(gap: number) {
    super(gap, "EventTimeSessionWindows");
  }

  /** Sessions closed by `gap` ms without elements. */
  static withGap<T = unknown>(gap: number): EventTimeSessionWindows<T> {
    return new EventTimeSessionWindows<T>(gap);
  }

  assignWindows(_element: T, timestamp: number): readonly TimeWindow[] {
    checkHasTimestamp(timestamp, "EventTimeSessionWindows");
    return [new TimeWindow(timestamp, timestamp + this.gap)];
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `EventTimeSessionWindows(${this.gap})`;
  }
}

/** Session windows over processing time. */
export class ProcessingTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  private constructor(gap: number) {
    super(gap, "ProcessingTimeSessionWindows");
  }

  /** Sessions closed by `gap` ms of processing time without elements. */
  static withGap<T = unknown>(gap: number): ProcessingTimeSessionWindows<T> {
    return new ProcessingTimeSessionWindows<T>(gap);
  }

  assignWindows(_element: T, _timestamp: number, context: WindowAssignerContext): readonly TimeWindow[] {
    const now = context.currentProcessingTime();
    return [new TimeWindow(now, now + this.gap)];
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `ProcessingTimeSessionWindows(${this.gap})`;
  }
}
