/**
 * Fires once the watermark passes the window's end (Flink's EventTimeTrigger).
 */
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";

/** Fires when the watermark reaches `window.maxTimestamp()`; an element arriving after that fires at once. */
export class EventTimeTrigger extends Trigger<unknown, Window> {
  private static instance: EventTimeTrigger | undefined;

  /** The shared instance (the trigger is stateless). */
  static create(): EventTimeTrigger {
    return (EventTimeTrigger.instance ??= new EventTimeTrigger());
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const maxTimestamp = window.maxTimestamp();
    // The watermark is past the window (allowed lateness): fire at once with everything in it.
    if (maxTimestamp <= ctx.currentWatermark()) return "FIRE";
    ctx.registerEventTimeTimer(maxTimestamp);
    return "CONTINUE";
  }

  override onEventTime(time: number, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? "FIRE" : "CONTINUE";
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: Window, ctx: OnMergeContext): void {
    const maxTimestamp = window.maxTimestamp();
    // A merged window already behind the watermark fires through onElement instead.
    if (maxTimestamp > ctx.currentWatermark()) ctx.registerEventTimeTimer(maxTimestamp);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return "EventTimeTrigger()";
  }
}
