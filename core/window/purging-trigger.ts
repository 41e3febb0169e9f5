/**
 * Turns every FIRE of another trigger into FIRE_AND_PURGE (Flink's PurgingTrigger).
 */
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";

function purging(result: TriggerResult): TriggerResult {
  return result === "FIRE" ? "FIRE_AND_PURGE" : result;
}

/** Wraps a trigger so that firing also clears the window's contents. */
export class PurgingTrigger<T, W extends Window> extends Trigger<T, W> {
  /** The wrapped trigger. */
  readonly nestedTrigger: Trigger<T, W>;

  private constructor(nestedTrigger: Trigger<T, W>) {
    super();
    this.nestedTrigger = nestedTrigger;
  }

  /** Wraps `nestedTrigger`. */
  static of<T, W extends Window>(nestedTrigger: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nestedTrigger);
  }

  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onElement(element, timestamp, window, ctx));
  }

  override onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onEventTime(time, window, ctx));
  }

  override onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onProcessingTime(time, window, ctx));
  }

  override canMerge(): boolean {
    return this.nestedTrigger.canMerge();
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    this.nestedTrigger.onMerge(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.nestedTrigger.clear(window, ctx);
  }

  toString(): string {
    return `PurgingTrigger(${this.nestedTrigger.toString()})`;
  }
}
