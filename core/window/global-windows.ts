/**
 * The global window: every element of a key in one window that only a custom trigger fires
 * (Flink's GlobalWindows).
 */
import type { Namespace } from "../state/types.ts";
import { WindowAssigner } from "./window-assigner.ts";
import { GlobalWindow } from "./time-window.ts";
import { Trigger, type OnMergeContext, type TriggerResult } from "./trigger.ts";

/** A trigger that never fires: the default of {@link GlobalWindows}. */
export class NeverTrigger extends Trigger<unknown, GlobalWindow> {
  onElement(): TriggerResult {
    return "CONTINUE";
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: GlobalWindow, _ctx: OnMergeContext): void {}

  clear(): void {}

  toString(): string {
    return "NeverTrigger()";
  }
}

const GLOBAL_NAMESPACE = "global";

/**
 * Puts every element in the one {@link GlobalWindow}; give it a trigger, e.g. `CountTrigger.of(n)`.
 * @example
 * stream.keyBy((c) => c.user).window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100)));
 */
export class GlobalWindows<T = unknown> extends WindowAssigner<T, GlobalWindow> {
  private readonly windows: readonly GlobalWindow[] = [GlobalWindow.get()];

  private constructor() {
    super();
  }

  /** The assigner; its default trigger never fires. */
  static create<T = unknown>(): GlobalWindows<T> {
    return new GlobalWindows<T>();
  }

  assignWindows(): readonly GlobalWindow[] {
    return this.windows;
  }

  getDefaultTrigger(): Trigger<T, GlobalWindow> {
    return new NeverTrigger();
  }

  isEventTime(): boolean {
    return false;
  }

  override namespaceOf(): Namespace {
    return GLOBAL_NAMESPACE;
  }

  override windowOf(): GlobalWindow {
    return GlobalWindow.get();
  }

  toString(): string {
    return "GlobalWindows()";
  }
}
