/**
 * Fires repeatedly every `interval` of processing time (Flink's ContinuousProcessingTimeTrigger).
 */
import type { TriggerContext, TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";
import { ContinuousTimeTrigger, type ContinuousTriggerClock } from "./continuous-time-trigger.ts";

const processingTime: ContinuousTriggerClock = {
  registerTimer: (ctx, time) => ctx.registerProcessingTimeTimer(time),
  deleteTimer: (ctx, time) => ctx.deleteProcessingTimeTimer(time),
};

/** Fires every `interval` ms of processing time while the window has elements. */
export class ContinuousProcessingTimeTrigger extends ContinuousTimeTrigger {
  private constructor(interval: number) {
    super(interval, "ContinuousProcessingTimeTrigger", processingTime);
  }

  /** A trigger that fires every `interval` ms. */
  static of(interval: number): ContinuousProcessingTimeTrigger {
    return new ContinuousProcessingTimeTrigger(interval);
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    this.armFirstFiring(ctx.currentProcessingTime(), window, ctx);
    return "CONTINUE";
  }

  override onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    return this.fireIfDue(time, window, ctx);
  }
}
