/**
 * Fires repeatedly every `interval` of event time, and at the window's end
 * (Flink's ContinuousEventTimeTrigger).
 */
import type { TriggerContext, TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";
import { ContinuousTimeTrigger, type ContinuousTriggerClock } from "./continuous-time-trigger.ts";

const eventTime: ContinuousTriggerClock = {
  registerTimer: (ctx, time) => ctx.registerEventTimeTimer(time),
  deleteTimer: (ctx, time) => ctx.deleteEventTimeTimer(time),
};

/** Fires every `interval` ms of event time while the window is open, and when it ends. */
export class ContinuousEventTimeTrigger extends ContinuousTimeTrigger {
  private constructor(interval: number) {
    super(interval, "ContinuousEventTimeTrigger", eventTime);
  }

  /** A trigger that fires every `interval` ms. */
  static of(interval: number): ContinuousEventTimeTrigger {
    return new ContinuousEventTimeTrigger(interval);
  }

  onElement(_element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.currentWatermark()) return "FIRE";
    ctx.registerEventTimeTimer(window.maxTimestamp());
    this.armFirstFiring(timestamp, window, ctx);
    return "CONTINUE";
  }

  override onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return "FIRE";
    return this.fireIfDue(time, window, ctx);
  }
}
