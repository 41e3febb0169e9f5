/**
 * Session windows: one window per burst of activity, closed by a gap of inactivity
 * (Flink's EventTimeSessionWindows and ProcessingTimeSessionWindows).
 */
import { checkArgument } from "../errors.ts";
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

  /** Sessions whose gap each element chooses (Flink's DynamicEventTimeSessionWindows). */
  static withDynamicGap<T>(gapOf: SessionGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return new DynamicEventTimeSessionWindows<T>(gapOf);
  }

  assignWindows(_element: T, timestamp: number, _context?: WindowAssignerContext): readonly TimeWindow[] {
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

  /** Processing-time sessions whose gap each element chooses. */
  static withDynamicGap<T>(gapOf: SessionGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return new DynamicProcessingTimeSessionWindows<T>(gapOf);
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

/** Chooses the session gap (ms, > 0) for an element. */
export type SessionGapExtractor<T> = (element: T) => number;

abstract class DynamicSessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  /** The element's gap. */
  readonly gapOf: SessionGapExtractor<T>;
  private readonly name: string;

  protected constructor(gapOf: SessionGapExtractor<T>, name: string) {
    checkArgument(typeof gapOf === "function", `[eddy] ${name}: the gap extractor must be a function (element) => ms`, name);
    super();
    this.gapOf = gapOf;
    this.name = name;
  }

  protected windowAt(element: T, start: number): readonly TimeWindow[] {
    const gap = this.gapOf(element);
    checkArgument(
      typeof gap === "number" && gap > 0 && Number.isFinite(gap),
      `[eddy] ${this.name}: the gap extractor must return a positive number of ms, got ${String(gap)}`,
      this.name,
    );
    return [new TimeWindow(start, start + gap)];
  }

  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  toString(): string {
    return `${this.name}()`;
  }
}

/** Event-time sessions with a gap per element; build with {@link EventTimeSessionWindows.withDynamicGap}. */
export class DynamicEventTimeSessionWindows<T> extends DynamicSessionWindows<T> {
  constructor(gapOf: SessionGapExtractor<T>) {
    super(gapOf, "DynamicEventTimeSessionWindows");
  }

  assignWindows(element: T, timestamp: number, _context?: WindowAssignerContext): readonly TimeWindow[] {
    checkHasTimestamp(timestamp, "DynamicEventTimeSessionWindows");
    return this.windowAt(element, timestamp);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Processing-time sessions with a gap per element; build with {@link ProcessingTimeSessionWindows.withDynamicGap}. */
export class DynamicProcessingTimeSessionWindows<T> extends DynamicSessionWindows<T> {
  constructor(gapOf: SessionGapExtractor<T>) {
    super(gapOf, "DynamicProcessingTimeSessionWindows");
  }

  assignWindows(element: T, _timestamp: number, context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowAt(element, context.currentProcessingTime());
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}
