/**
 * What Flink's ContinuousEventTimeTrigger and ContinuousProcessingTimeTrigger share: the next
 * firing time kept in state, re-armed after each firing, merged with the windows, cleared with
 * the window. Only the clock whose timers carry it differs.
 */
import { ReducingStateDescriptor, type ReducingState } from "../state/types.ts";
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import { checkPositiveMillis, type Window } from "./time-window.ts";

/** The clock a continuous trigger fires on: how it sets and removes its timers. */
export interface ContinuousTriggerClock {
  registerTimer(ctx: TriggerContext, time: number): void;
  deleteTimer(ctx: TriggerContext, time: number): void;
}

/**
 * Fires every `interval` ms of its clock while a window is open. Subclasses decide when the
 * first firing is armed ({@link armFirstFiring}) and pass their timers to {@link fireIfDue}.
 */
export abstract class ContinuousTimeTrigger extends Trigger<unknown, Window> {
  private readonly fireTimestamp = new ReducingStateDescriptor<number>("fire-time", (a, b) => Math.min(a, b));

  /** Milliseconds between firings. */
  readonly interval: number;

  protected constructor(
    interval: number,
    private readonly name: string,
    private readonly clock: ContinuousTriggerClock,
  ) {
    super();
    checkPositiveMillis(interval, "interval", name);
    this.interval = interval;
  }

  /** Arms the first firing, at the end of the interval holding `time`, unless one is armed. */
  protected armFirstFiring(time: number, window: Window, ctx: TriggerContext): void {
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    if (state.get() === undefined) this.registerNextFireTimestamp(time - (time % this.interval), window, ctx, state);
  }

  /** Fires (and arms the next firing) when `time` is the armed firing time; continues otherwise. */
  protected fireIfDue(time: number, window: Window, ctx: TriggerContext): TriggerResult {
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
    if (next !== undefined) this.clock.registerTimer(ctx, next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const state = ctx.getPartitionedState<ReducingState<number>>(this.fireTimestamp);
    const next = state.get();
    if (next !== undefined) {
      this.clock.deleteTimer(ctx, next);
      state.clear();
    }
  }

  private registerNextFireTimestamp(time: number, window: Window, ctx: TriggerContext, state: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    state.add(next);
    this.clock.registerTimer(ctx, next);
  }

  toString(): string {
    return `${this.name}(${this.interval})`;
  }
}
