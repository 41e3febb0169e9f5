/**
 * The trigger contract: when a window's contents are emitted and when they are purged
 * (Flink's Trigger, TriggerResult and TriggerContext).
 */
import type { StateDescriptor } from "../state/types.ts";
import type { Window } from "./time-window.ts";

/** What a trigger decides: keep going, emit, drop the contents, or both emit and drop. */
export type TriggerResult = "CONTINUE" | "FIRE" | "PURGE" | "FIRE_AND_PURGE";

/** Whether the result emits the window's contents. */
export function isFire(result: TriggerResult): boolean {
  return result === "FIRE" || result === "FIRE_AND_PURGE";
}

/** Whether the result clears the window's contents. */
export function isPurge(result: TriggerResult): boolean {
  return result === "PURGE" || result === "FIRE_AND_PURGE";
}

/** What a trigger may do: read the clocks, set timers and keep state scoped to the key and window. */
export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  /** State of the current key in the current window. */
  getPartitionedState<S>(descriptor: StateDescriptor<S>): S;
}

/** The context of {@link Trigger.onMerge}: can also merge the merged windows' state into the result window. */
export interface OnMergeContext extends TriggerContext {
  mergePartitionedState<S>(descriptor: StateDescriptor<S>): void;
}

/**
 * Decides when a window fires. Override the `on*` methods you need; the defaults continue.
 * Triggers that keep state or timers must clean them up in `clear`.
 */
export abstract class Trigger<T, W extends Window> {
  /** Called for every element added to a window. */
  abstract onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;

  /** Called when an event-time timer the trigger registered fires. */
  onEventTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return "CONTINUE";
  }

  /** Called when a processing-time timer the trigger registered fires. */
  onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return "CONTINUE";
  }

  /** Whether the trigger supports merging windows (then it must implement `onMerge`). */
  canMerge(): boolean {
    return false;
  }

  /** Called when windows merged into `window`. */
  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new Error(`[eddy] ${this.toString()}: this trigger does not support merging windows`);
  }

  /** Removes the trigger's timers and state for `window`. */
  abstract clear(window: W, ctx: TriggerContext): void;

  abstract toString(): string;
}
