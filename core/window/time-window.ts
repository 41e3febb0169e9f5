/**
 * Windows: the time interval {@link TimeWindow} and the single {@link GlobalWindow}.
 */
import { checkArgument } from "../errors.ts";

/** A window: a finite (or unbounded) bucket of elements with a last timestamp. */
export interface Window {
  /** The largest timestamp that still belongs to this window. */
  maxTimestamp(): number;
}

/** A half-open interval of time `[start, end)` (Flink's TimeWindow). */
export class TimeWindow implements Window {
  readonly start: number;
  readonly end: number;

  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }

  /** `end - 1`: the last millisecond inside the window. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  /** Whether the two windows overlap or touch (Flink: `start <= other.end && end >= other.start`). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that covers both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  /** Same start and end. */
  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /**
   * The start of the window of `windowSize` (shifted by `offset`) that holds `timestamp`;
   * correct for negative timestamps too.
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    // floor-division, not `%`: ms timestamps are beyond small integers, where `%` is a slow
    // floating-point remainder; for integers below 2^53 the quotient floors exactly, and
    // negative timestamps land in the window before, as Flink's formula does.
    return offset + Math.floor((timestamp - offset) / windowSize) * windowSize;
  }

  /**
   * Merges overlapping or touching windows (Flink's TimeWindow.mergeWindows): calls `callback`
   * once per group of two or more distinct windows with the group and the window covering it.
   */
  static mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    const sorted = windows.length > 1 ? windows.slice().sort(byStart) : windows;
    let cover: TimeWindow | undefined;
    let group: TimeWindow[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const candidate = sorted[i]!;
      if (cover !== undefined && cover.intersects(candidate)) {
        cover = cover.cover(candidate);
        // A set in Flink: the same window twice counts once.
        if (!group.some((w) => w.start === candidate.start && w.end === candidate.end)) group.push(candidate);
        continue;
      }
      if (cover !== undefined && group.length > 1) callback(group, cover);
      cover = candidate;
      group = [candidate];
    }
    if (cover !== undefined && group.length > 1) callback(group, cover);
  }
}

function byStart(a: TimeWindow, b: TimeWindow): number {
  return a.start - b.start;
}

/** The one window of {@link GlobalWindows}: holds every element; it never ends. */
export class GlobalWindow implements Window {
  private static instance: GlobalWindow | undefined;

  private constructor() {}

  /** The shared instance. */
  static get(): GlobalWindow {
    return (GlobalWindow.instance ??= new GlobalWindow());
  }

  /** `+Infinity` (Flink's Long.MAX_VALUE): the window has no end. */
  maxTimestamp(): number {
    return Number.POSITIVE_INFINITY;
  }

  toString(): string {
    return "GlobalWindow";
  }
}

/** Checks that a window length or gap is a positive, finite number of milliseconds. */
export function checkPositiveMillis(value: number, what: string, owner: string): void {
  checkArgument(
    typeof value === "number" && Number.isFinite(value) && value > 0,
    `[eddy] ${owner}: ${what} must be a positive number of milliseconds, got ${String(value)}`,
    owner,
  );
}

/** Checks that an offset of window starts lies within one `period` (the slide; a tumbling window's size) either way. */
export function checkWindowOffset(offset: number, period: number, periodName: string, owner: string): void {
  checkArgument(
    typeof offset === "number" && Number.isFinite(offset) && Math.abs(offset) < period,
    `[eddy] ${owner}: offset must satisfy |offset| < ${periodName} (${period}), got ${String(offset)}`,
    owner,
  );
}
