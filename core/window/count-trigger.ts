/**
 * Fires every `n` elements of a window (Flink's CountTrigger).
 */
import { checkArgument } from "../errors.ts";
import { ReducingStateDescriptor, type ReducingState } from "../state/types.ts";
import { Trigger, type OnMergeContext, type TriggerContext, type TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";

/** Fires once a window has received `maxCount` elements since it last fired; the count merges with windows. */
export class CountTrigger extends Trigger<unknown, Window> {
  private readonly countState = new ReducingStateDescriptor<number>("count", (a, b) => a + b);

  /** Elements per firing. */
  readonly maxCount: number;

  private constructor(maxCount: number) {
    super();
    this.maxCount = maxCount;
  }

  /** A trigger that fires every `maxCount` elements. */
  static of(maxCount: number): CountTrigger {
    checkArgument(
      Number.isInteger(maxCount) && maxCount > 0,
      `[eddy] CountTrigger: maxCount must be a positive integer, got ${String(maxCount)}`,
      "CountTrigger",
    );
    return new CountTrigger(maxCount);
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState<ReducingState<number>>(this.countState);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return "FIRE";
    }
    return "CONTINUE";
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countState);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState<ReducingState<number>>(this.countState).clear();
  }

  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}
