/**
 * The window assigner contract: which windows an element belongs to, how windows map to state
 * namespaces, and the trigger used when the user names none (Flink's WindowAssigner).
 */
import type { Namespace } from "../state/types.ts";
import type { Trigger } from "./trigger.ts";
import { TimeWindow, type Window } from "./time-window.ts";

/** What an assigner may ask while assigning (Flink's WindowAssignerContext). */
export interface WindowAssignerContext {
  currentProcessingTime(): number;
}

/**
 * Assigns elements to windows. Subclasses implement `assignWindows`, `getDefaultTrigger`,
 * `isEventTime` and `toString`; the namespace codec defaults to `"start:end"` strings for
 * {@link TimeWindow}s and is overridden where a number identifies the window.
 */
export abstract class WindowAssigner<T, W extends Window> {
  /** The windows `element` with `timestamp` belongs to. The array may be shared: do not mutate it. */
  abstract assignWindows(element: T, timestamp: number, context: WindowAssignerContext): readonly W[];
  /** The trigger used when none is given. */
  abstract getDefaultTrigger(): Trigger<T, W>;
  /** Whether windows are in event time (watermarks) rather than processing time. */
  abstract isEventTime(): boolean;
  /** Shown in plans, e.g. `TumblingEventTimeWindows(60000)`. */
  abstract toString(): string;

  /** The state namespace (and timer namespace) of a window. */
  namespaceOf(window: W): Namespace {
    const w = window as unknown as TimeWindow;
    return `${w.start}:${w.end}`;
  }

  /** The window a namespace stands for (inverse of {@link namespaceOf}). */
  windowOf(namespace: Namespace): W {
    const text = String(namespace);
    const colon = text.indexOf(":");
    return new TimeWindow(Number(text.slice(0, colon)), Number(text.slice(colon + 1))) as unknown as W;
  }
}

/** An assigner whose windows can merge, e.g. sessions (Flink's MergingWindowAssigner). */
export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /** Calls `callback` for each group of windows that merge into one. */
  abstract mergeWindows(windows: readonly W[], callback: (toBeMerged: W[], mergeResult: W) => void): void;
}

/** Whether the assigner merges windows. */
export function isMergingAssigner<T, W extends Window>(
  assigner: WindowAssigner<T, W>,
): assigner is MergingWindowAssigner<T, W> {
  return assigner instanceof MergingWindowAssigner;
}

/**
 * Windows of a fixed size, identified by their end: the namespace is the end (a number) and
 * window objects are cached so that assigning allocates nothing in the steady state.
 */
export abstract class FixedSizeTimeWindowAssigner<T> extends WindowAssigner<T, TimeWindow> {
  private byEnd = new Map<number, TimeWindow>();

  /** Window length in ms. */
  readonly size: number;

  protected constructor(size: number) {
    super();
    this.size = size;
  }

  override namespaceOf(window: TimeWindow): Namespace {
    return window.end;
  }

  override windowOf(namespace: Namespace): TimeWindow {
    return this.windowEndingAt(namespace as number);
  }

  /** The cached window `[end - size, end)`. */
  protected windowEndingAt(end: number): TimeWindow {
    let window = this.byEnd.get(end);
    if (window === undefined) {
      // Windows near the watermark are the working set; an occasional reset keeps the cache small.
      if (this.byEnd.size >= 4096) this.byEnd = new Map();
      window = new TimeWindow(end - this.size, end);
      this.byEnd.set(end, window);
    }
    return window;
  }
}
