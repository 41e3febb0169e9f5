/**
 * Fires when processing time reaches the window's end (Flink's ProcessingTimeTrigger).
 */
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";

/** Fires when the processing-time clock reaches `window.maxTimestamp()`. */
export class ProcessingTimeTrigger extends Trigger<unknown, Window> {
  private static instance: ProcessingTimeTrigger | undefined;

  /** The shared instance (the trigger is stateless). */
  static create(): ProcessingTimeTrigger {
    return (ProcessingTimeTrigger.instance ??= new ProcessingTimeTrigger());
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return "CONTINUE";
  }

  override onProcessingTime(): TriggerResult {
    return "FIRE";
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: Window, ctx: OnMergeContext): void {
    const maxTimestamp = window.maxTimestamp();
    if (maxTimestamp > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(maxTimestamp);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return "ProcessingTimeTrigger()";
  }
}
