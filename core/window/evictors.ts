/**
 * Evictors remove elements from a firing window before and/or after the window function runs
 * (Flink's Evictor, CountEvictor, TimeEvictor and DeltaEvictor).
 */
import { checkArgument } from "../errors.ts";
import { checkPositiveMillis, type Window } from "./time-window.ts";

/** An element of a window with its timestamp (NaN when it had none). */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** What an evictor may ask. */
export interface EvictorContext {
  readonly currentProcessingTime: number;
  readonly currentWatermark: number;
}

/** Removes elements from `elements` in place, before or after the window function sees them. */
export interface Evictor<T, W extends Window = Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  toString(): string;
}

/** Keeps at most `maxCount` elements: the most recently added. */
export class CountEvictor implements Evictor<unknown> {
  /** Elements kept. */
  readonly maxCount: number;
  /** Evict after the window function instead of before. */
  readonly doEvictAfter: boolean;

  private constructor(maxCount: number, doEvictAfter: boolean) {
    this.maxCount = maxCount;
    this.doEvictAfter = doEvictAfter;
  }

  /** Keeps the last `maxCount` elements (evicting before the function unless `doEvictAfter`). */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    checkArgument(
      Number.isInteger(maxCount) && maxCount >= 0,
      `[eddy] CountEvictor: maxCount must be a non-negative integer, got ${String(maxCount)}`,
      "CountEvictor",
    );
    return new CountEvictor(maxCount, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    if (elements.length > this.maxCount) elements.splice(0, elements.length - this.maxCount);
  }

  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }
}

/** Keeps the elements within `windowSize` ms of the window's newest element timestamp. */
export class TimeEvictor implements Evictor<unknown> {
  /** Kept span in ms. */
  readonly windowSize: number;
  /** Evict after the window function instead of before. */
  readonly doEvictAfter: boolean;

  private constructor(windowSize: number, doEvictAfter: boolean) {
    this.windowSize = windowSize;
    this.doEvictAfter = doEvictAfter;
  }

  /** Evicts elements with `timestamp <= max timestamp - windowSize`. */
  static of(windowSize: number, doEvictAfter = false): TimeEvictor {
    checkPositiveMillis(windowSize, "windowSize", "TimeEvictor");
    return new TimeEvictor(windowSize, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    // As Flink: elements without timestamps are never evicted by time.
    if (elements.length === 0 || Number.isNaN(elements[0]!.timestamp)) return;
    let max = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - this.windowSize;
    removeWhere(elements, (e) => e.timestamp <= cutoff);
  }

  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }
}

/** Distance between two elements, for {@link DeltaEvictor}. */
export type DeltaFunction<T> = (a: T, b: T) => number;

/** Evicts the elements whose delta to the newest element is at least `threshold`. */
export class DeltaEvictor<T> implements Evictor<T> {
  /** Elements this far (or farther) from the newest are evicted. */
  readonly threshold: number;
  /** Evict after the window function instead of before. */
  readonly doEvictAfter: boolean;
  private readonly delta: DeltaFunction<T>;

  private constructor(threshold: number, delta: DeltaFunction<T>, doEvictAfter: boolean) {
    this.threshold = threshold;
    this.delta = delta;
    this.doEvictAfter = doEvictAfter;
  }

  /** Evicts elements with `delta(element, newest) >= threshold`. */
  static of<T>(threshold: number, delta: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T> {
    checkArgument(typeof delta === "function", "[eddy] DeltaEvictor: delta must be a function (a, b) => number", "DeltaEvictor");
    return new DeltaEvictor(threshold, delta, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<T>[]): void {
    if (elements.length === 0) return;
    const last = elements[elements.length - 1]!.value;
    removeWhere(elements, (e) => this.delta(e.value, last) >= this.threshold);
  }

  toString(): string {
    return `DeltaEvictor(${this.threshold})`;
  }
}

function removeWhere<T>(elements: T[], evict: (e: T) => boolean): void {
  let kept = 0;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    if (!evict(e)) elements[kept++] = e;
  }
  elements.length = kept;
}
