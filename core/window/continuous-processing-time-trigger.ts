/**
 * Fires repeatedly every `interval` of processing time (Flink's ContinuousProcessingTimeTrigger).
 */
import { ReducingStateDescriptor, type ReducingState } from "../state/types.ts";
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import { checkPositiveMillis, type Window } from "./time-window.ts";

/** Fires every `interval` ms of processing time while the window has elements. */
export class ContinuousProcessingTimeTrigger extends Trigger<unknown, Window> {
  /** Milliseconds of processing time between firings. */
  readonly interval: number;
  private readonly fireTimestamp = new ReducingStateDescriptor<number>("fire-time", (a, b) => Math.min(a, b));

  private constructor(interval: number) {
    super();
    this.interval = interval;
  }

  /** A trigger that fires every `interval` ms. */
  static of(interval: number): ContinuousProcessingTimeTrigger {
    checkPositiveMillis(interval, "interval", "ContinuousProcessingTimeTrigger");
    return new ContinuousProcessingTimeTrigger(interval);
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    const now = ctx.currentProcessingTime();
    if (state.get() === undefined) this.registerNextFireTimestamp(now - (now % this.interval), window, ctx, state);
    return "CONTINUE";
  }

  override onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
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
    if (next !== undefined) ctx.registerProcessingTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    const next = state.get();
    if (next !== undefined) {
      ctx.deleteProcessingTimeTimer(next);
      state.clear();
    }
  }

  private registerNextFireTimestamp(time: number, window: Window, ctx: TriggerContext, state: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    state.add(next);
    ctx.registerProcessingTimeTimer(next);
  }

  toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }
}
