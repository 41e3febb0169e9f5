/**
 * The views a window operator gives its trigger (timers and state of the current key and window)
 * and its process function (the firing window, state, side outputs), and the collector that
 * stamps results with the window's max timestamp.
 */
import { EddyError } from "../errors.ts";
import type { Output, OutputTag } from "../runtime/operator.ts";
import type { KeyedStateBackend, Namespace, StateDescriptor } from "../state/types.ts";
import type { InternalTimerService } from "../time/types.ts";
import type { OnMergeContext } from "./trigger.ts";
import type { Window } from "./time-window.ts";
import type { Collector, WindowContext } from "./window-function.ts";

/** What the process context needs from its operator. */
export interface ProcessContextHost {
  windowStateFor<S>(descriptor: StateDescriptor<S>, namespace: Namespace): S;
  globalStateFor<S>(descriptor: StateDescriptor<S>): S;
  sideOutput<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
  clocks(): InternalTimerService;
}

/** Emits with the firing window's max timestamp. */
export class TimestampedCollector<OUT> implements Collector<OUT> {
  output!: Output<OUT>;
  timestamp = Number.NaN;
  collect(value: OUT): void {
    this.output.collect(value, this.timestamp);
  }
}

/** The trigger's view of the operator for the current key and window. */
export class WindowTriggerContext<W extends Window> implements OnMergeContext {
  backend!: KeyedStateBackend;
  timers!: InternalTimerService;
  window!: W;
  namespace: Namespace = 0;
  mergedNamespaces: Namespace[] = [];
  /** The last event-time timer registered for the current window (NaN: none since reset). */
  lastEventTimer = Number.NaN;

  currentWatermark(): number {
    return this.timers.currentWatermark();
  }
  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }
  registerEventTimeTimer(time: number): void {
    this.timers.registerEventTimeTimer(this.namespace, time);
    this.lastEventTimer = time;
  }
  deleteEventTimeTimer(time: number): void {
    this.timers.deleteEventTimeTimer(this.namespace, time);
    if (time === this.lastEventTimer) this.lastEventTimer = Number.NaN;
  }
  registerProcessingTimeTimer(time: number): void {
    this.timers.registerProcessingTimeTimer(this.namespace, time);
  }
  deleteProcessingTimeTimer(time: number): void {
    this.timers.deleteProcessingTimeTimer(this.namespace, time);
  }
  getPartitionedState<S>(descriptor: StateDescriptor<S>): S {
    const state = this.backend.getState(descriptor);
    state.setCurrentNamespace(this.namespace);
    return state;
  }
  mergePartitionedState<S>(descriptor: StateDescriptor<S>): void {
    if (this.mergedNamespaces.length === 0) return;
    const state = this.backend.getState(descriptor);
    if (typeof state.mergeNamespaces !== "function") {
      throw new EddyError(`[eddy] trigger state "${descriptor.name}" is not mergeable (use reducing, aggregating or list state)`, {
        code: "INVALID_ARGUMENT",
        domain: "user",
        retryable: false,
      });
    }
    state.mergeNamespaces(this.namespace, this.mergedNamespaces);
  }
}

/** The process function's view of the firing window. */
export class ProcessContext<OUT, W extends Window> implements WindowContext<W> {
  window!: W;
  namespace: Namespace = 0;
  private readonly operator: ProcessContextHost;

  constructor(operator: ProcessContextHost) {
    this.operator = operator;
  }

  get currentWatermark(): number {
    return this.operator.clocks().currentWatermark();
  }
  get currentProcessingTime(): number {
    return this.operator.clocks().currentProcessingTime();
  }
  windowState<S>(descriptor: StateDescriptor<S>): S {
    return this.operator.windowStateFor(descriptor, this.namespace);
  }
  globalState<S>(descriptor: StateDescriptor<S>): S {
    return this.operator.globalStateFor(descriptor);
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.operator.sideOutput(tag, value, this.window.maxTimestamp());
  }
}
