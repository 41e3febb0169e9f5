/**
 * Fires repeatedly every `interval` of event time, and at the window's end
 * (Flink's ContinuousEventTimeTrigger).
 */
import { ReducingStateDescriptor, type ReducingState } from "../state/types.ts";
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import { checkPositiveMillis, type Window } from "./time-window.ts";

/** Fires every `interval` ms of event time while the window is open, and when it ends. */
export class ContinuousEventTimeTrigger extends Trigger<unknown, Window> {
  private readonly fireTimestamp = new ReducingStateDescriptor<number>("fire-time", (a, b) => Math.min(a, b));

  /** Milliseconds of event time between firings. */
  readonly interval: number;

  private constructor(interval: number) {
    super();
    this.interval = interval;
  }

  /** A trigger that fires every `interval` ms. */
  static of(interval: number): ContinuousEventTimeTrigger {
    checkPositiveMillis(interval, "interval", "ContinuousEventTimeTrigger");
    return new ContinuousEventTimeTrigger(interval);
  }

  onElement(_element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.currentWatermark()) return "FIRE";
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    if (state.get() === undefined) this.registerNextFireTimestamp(timestamp - (timestamp % this.interval), window, ctx, state);
    return "CONTINUE";
  }

  override onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return "FIRE";
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    if (state.get() === time) {
      state.clear();
      this.registerNextFireTimestamp(time, window, ctx, state);
      return "FIRE";
    }
    return "CONTINUE";
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTimestamp);
    const next = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    const next = state.get();
    if (next !== undefined) {
      ctx.deleteEventTimeTimer(next);
      state.clear();
    }
  }

  private registerNextFireTimestamp(time: number, window: Window, ctx: TriggerContext, state: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    state.add(next);
    ctx.registerEventTimeTimer(next);
  }

  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }
}
