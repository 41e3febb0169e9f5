/**
 * The keyed window operator (Flink's WindowOperator): assigns elements to windows, keeps their
 * contents in keyed state namespaced by window, asks the trigger when to emit, and cleans each
 * window up once the watermark passes its end plus the allowed lateness.
 */
import { EddyError, checkArgument } from "../errors.ts";
import type { KeyedOperatorContext, OperatorContext, Output, OutputTag, StreamOperator } from "../runtime/operator.ts";
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type InternalKvState,
  type KeyedStateBackend,
  type ListState,
  type Namespace,
  type StateDescriptor,
  type ValueState,
} from "../state/types.ts";
import type { InternalTimerService, Timer } from "../time/types.ts";
import { MergingWindowSet, type MergeFunction } from "./merging-window-set.ts";
import { EventTimeTrigger } from "./event-time-trigger.ts";
import type { Evictor, EvictorContext, TimestampedValue } from "./evictors.ts";
import { isFire, isPurge, type Trigger, type TriggerResult } from "./trigger.ts";
import type { Window } from "./time-window.ts";
import { isMergingAssigner, type MergingWindowAssigner, type WindowAssigner, type WindowAssignerContext } from "./window-assigner.ts";
import type { WindowFunctionSpec } from "./window-function.ts";
import { ProcessContext, TimestampedCollector, WindowTriggerContext } from "./window-contexts.ts";

/** Options of {@link WindowOperator}. */
export interface WindowOperatorOptions<IN, OUT, W extends Window = Window> {
  readonly assigner: WindowAssigner<IN, W>;
  /** Defaults to the assigner's default trigger. */
  readonly trigger?: Trigger<IN, W>;
  /** Event time only: how long after a window's end late elements still update (and re-fire) it. Default 0. */
  readonly allowedLateness?: number;
  /** Where elements too late for every window go; without it they are dropped and counted. */
  readonly lateDataTag?: OutputTag<IN>;
  /** Removes elements before/after the function runs; the window then keeps every element. */
  readonly evictor?: Evictor<IN, W>;
  readonly function: WindowFunctionSpec<IN, OUT, W>;
  /** Operator name, used in errors. */
  readonly name: string;
}

type ContentsState = InternalKvState & { add(value: unknown): void; clear(): void };

/**
 * Runs windows on a keyed stream: the runtime sets the current key before every element and
 * timer. One input (`input` 0). Emits window results with timestamp `window.maxTimestamp()`.
 */
export class WindowOperator<IN, OUT, W extends Window = Window> implements StreamOperator<IN, OUT> {
  /** Elements dropped because they were too late for all their windows and no late tag was set. */
  numLateRecordsDropped = 0;

  private readonly name: string;
  private readonly assigner: WindowAssigner<IN, W>;
  private readonly mergingAssigner: MergingWindowAssigner<IN, W> | undefined;
  private readonly trigger: Trigger<IN, W>;
  private readonly allowedLateness: number;
  private readonly lateDataTag: OutputTag<IN> | undefined;
  private readonly evictor: Evictor<IN, W> | undefined;
  private readonly evictorContext: EvictorContext;
  private readonly fn: WindowFunctionSpec<IN, OUT, W>;
  private readonly isEventTime: boolean;
  private readonly contentsDescriptor: StateDescriptor<unknown>;
  /** EventTimeTrigger, fixed windows, reduce/aggregate: timers need registering only for new windows. */
  private readonly fastPath: boolean;
  /** Set while adding an element: whether its window already had contents. */
  private windowExisted = false;
  private readonly mergingSetDescriptor = new ValueStateDescriptor<number[]>("merging-window-set");
  /** Per-window states the process function used: cleared with each window. */
  private readonly windowStateDescriptors = new Set<StateDescriptor<unknown>>();

  private output!: Output<OUT>;
  private keyed!: KeyedOperatorContext;
  private backend!: KeyedStateBackend;
  private timers!: InternalTimerService;
  private contents!: ContentsState;
  private mergingSetState: (ValueState<number[]> & InternalKvState) | undefined;
  private readonly triggerContext: WindowTriggerContext<W>;
  private readonly processContext: ProcessContext<OUT, W>;
  private readonly collector: TimestampedCollector<OUT>;
  private readonly assignerContext: WindowAssignerContext;
  private readonly mergeFunction: MergeFunction<W>;

  constructor(options: WindowOperatorOptions<IN, OUT, W>) {
    checkArgument(typeof options === "object" && options !== null, "[eddy] WindowOperator: options are required");
    const name = options.name ?? "Window";
    this.name = name;
    checkArgument(options.assigner !== undefined, `[eddy] ${name}: assigner is required`, name);
    this.assigner = options.assigner;
    this.mergingAssigner = isMergingAssigner(options.assigner) ? options.assigner : undefined;
    this.trigger = options.trigger ?? options.assigner.getDefaultTrigger();
    const lateness = options.allowedLateness ?? 0;
    checkArgument(
      typeof lateness === "number" && lateness >= 0 && !Number.isNaN(lateness),
      `[eddy] ${name}: allowedLateness must be >= 0 ms, got ${String(lateness)}`,
      name,
    );
    this.allowedLateness = lateness;
    checkArgument(
      this.mergingAssigner === undefined || this.trigger.canMerge(),
      `[eddy] ${name}: the merging assigner ${options.assigner.toString()} needs a trigger that can merge; ${this.trigger.toString()} cannot`,
      name,
    );
    this.lateDataTag = options.lateDataTag;
    this.evictor = options.evictor;
    this.fn = options.function;
    checkArgument(
      this.fn !== undefined &&
        ((this.fn.kind === "reduce" && typeof this.fn.reduce === "function") ||
          (this.fn.kind === "aggregate" && typeof this.fn.aggregate === "object" && this.fn.aggregate !== null) ||
          (this.fn.kind === "process" && typeof this.fn.process === "function")),
      `[eddy] ${name}: function must be { kind: "reduce", reduce }, { kind: "aggregate", aggregate } or { kind: "process", process }`,
      name,
    );
    this.isEventTime = options.assigner.isEventTime();
    // The fast path needs to know whether an element went into an existing window: the
    // state calls reduce (or skips createAccumulator) exactly when the window had contents.
    this.fastPath =
      this.trigger.constructor === EventTimeTrigger &&
      this.mergingAssigner === undefined &&
      this.isEventTime &&
      this.fn.kind !== "process" &&
      this.evictor === undefined;
    const fn = this.fn;
    if (this.evictor !== undefined) {
      this.contentsDescriptor = new ListStateDescriptor<[IN, number]>("window-contents");
    } else if (fn.kind === "reduce") {
      const reduce = fn.reduce;
      this.contentsDescriptor = new ReducingStateDescriptor<IN>("window-contents", (a, b) => {
        this.windowExisted = true;
        return reduce(a, b);
      });
    } else if (fn.kind === "aggregate") {
      const aggregate = fn.aggregate;
      this.contentsDescriptor = new AggregatingStateDescriptor("window-contents", {
        createAccumulator: () => {
          this.windowExisted = false;
          return aggregate.createAccumulator();
        },
        add: (value: IN, acc) => aggregate.add(value, acc),
        getResult: (acc) => aggregate.getResult(acc),
        merge: (a, b) => aggregate.merge(a, b),
      });
    } else {
      this.contentsDescriptor = new ListStateDescriptor<IN>("window-contents");
    }
    this.triggerContext = new WindowTriggerContext<W>();
    this.processContext = new ProcessContext<OUT, W>(this);
    this.collector = new TimestampedCollector<OUT>();
    this.assignerContext = { currentProcessingTime: () => this.timers.currentProcessingTime() };
    const operator = this;
    this.evictorContext = {
      get currentProcessingTime() {
        return operator.timers.currentProcessingTime();
      },
      get currentWatermark() {
        return operator.timers.currentWatermark();
      },
    };
    this.mergeFunction = (mergeResult, mergedWindows, stateWindowResult, mergedStateWindows) =>
      this.onMerge(mergeResult, mergedWindows, stateWindowResult, mergedStateWindows);
  }

  toString(): string {
    return this.name;
  }

  setup(context: OperatorContext<OUT>): void {
    if (context.keyed === undefined) {
      throw new EddyError(`[eddy] ${this.name}: a window operator runs on a keyed stream; call keyBy() before window()`, {
        code: "INVALID_ARGUMENT",
        domain: "user",
        operator: this.name,
        retryable: false,
      });
    }
    this.output = context.output;
    this.keyed = context.keyed;
    this.backend = context.keyed.backend;
    this.timers = context.keyed.timers;
    this.collector.output = context.output;
    this.triggerContext.backend = this.backend;
    this.triggerContext.timers = this.timers;
  }

  open(): void {
    this.contents = this.backend.getState(this.contentsDescriptor) as unknown as ContentsState;
    if (this.mergingAssigner !== undefined) {
      if (typeof this.contents.mergeNamespaces !== "function") {
        throw new EddyError(`[eddy] ${this.name}: the state backend cannot merge window state`, { code: "ILLEGAL_STATE" });
      }
      this.mergingSetState = this.backend.getState(this.mergingSetDescriptor);
    }
  }

  processElement(value: IN, timestamp: number): void {
    const windows = this.assigner.assignWindows(value, timestamp, this.assignerContext);
    const skipped =
      this.mergingAssigner === undefined
        ? this.addToWindows(value, timestamp, windows)
        : this.addToMergingWindows(value, timestamp, windows);
    if (skipped && this.isElementLate(timestamp)) {
      if (this.lateDataTag !== undefined) this.output.collectSide(this.lateDataTag, value, timestamp);
      else this.numLateRecordsDropped++;
    }
  }

  /** Returns whether every window was skipped as late. */
  private addToWindows(value: IN, timestamp: number, windows: readonly W[]): boolean {
    let skipped = true;
    const contents = this.contents;
    const ctx = this.triggerContext;
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i]!;
      if (this.isWindowLate(window)) continue;
      skipped = false;
      const namespace = this.assigner.namespaceOf(window);
      contents.setCurrentNamespace(namespace);
      this.windowExisted = this.fn.kind === "aggregate";
      contents.add(this.evictor === undefined ? value : [value, timestamp]);
      ctx.window = window;
      ctx.namespace = namespace;
      if (this.fastPath && this.windowExisted) {
        // EventTimeTrigger on a window that already had contents: its end-of-window timer (when
        // the window was still ahead of the watermark) and its cleanup timer are registered, so
        // only the fire-at-once decision is left.
        if (window.maxTimestamp() <= this.timers.currentWatermark()) this.applyResult("FIRE", window);
        continue;
      }
      ctx.lastEventTimer = Number.NaN;
      const result = this.trigger.onElement(value, timestamp, window, ctx);
      if (result !== "CONTINUE") this.applyResult(result, window);
      // Without lateness the cleanup timer is the trigger's own end-of-window timer: skip the second lookup.
      if (!(this.isEventTime && ctx.lastEventTimer === this.cleanupTime(window))) this.registerCleanupTimer(window, namespace);
    }
    return skipped;
  }

  private addToMergingWindows(value: IN, timestamp: number, windows: readonly W[]): boolean {
    let skipped = true;
    const contents = this.contents;
    const ctx = this.triggerContext;
    const set = this.mergingWindowSet();
    for (let i = 0; i < windows.length; i++) {
      const actualWindow = set.addWindow(windows[i]!, this.mergeFunction);
      if (this.isWindowLate(actualWindow)) {
        set.retireWindow(actualWindow);
        continue;
      }
      skipped = false;
      const stateWindow = set.getStateWindow(actualWindow);
      if (stateWindow === undefined) {
        throw new EddyError(`[eddy] ${this.name}: window ${String(actualWindow)} is not in the in-flight window set`, {
          code: "ILLEGAL_STATE",
          operator: this.name,
        });
      }
      contents.setCurrentNamespace(this.assigner.namespaceOf(stateWindow));
      contents.add(this.evictor === undefined ? value : [value, timestamp]);
      const namespace = this.assigner.namespaceOf(actualWindow);
      ctx.window = actualWindow;
      ctx.namespace = namespace;
      const result = this.trigger.onElement(value, timestamp, actualWindow, ctx);
      if (isFire(result)) {
        const fired = this.readContents();
        // As Flink: a window that fires empty is not given a cleanup timer here.
        if (fired === undefined) continue;
        this.emitWindowContents(actualWindow, namespace, fired);
      }
      if (isPurge(result)) contents.clear();
      this.registerCleanupTimer(actualWindow, namespace);
    }
    set.persist();
    return skipped;
  }

  private onMerge(mergeResult: W, mergedWindows: readonly W[], stateWindowResult: W, mergedStateWindows: readonly W[]): void {
    if (this.isEventTime) {
      if (this.cleanupTime(mergeResult) <= this.timers.currentWatermark()) {
        throw new EddyError(
          `[eddy] ${this.name}: the end of an event-time window cannot become earlier than the current watermark by merging (watermark ${this.timers.currentWatermark()}, window ${String(mergeResult)})`,
          { code: "ILLEGAL_STATE", operator: this.name },
        );
      }
    } else if (mergeResult.maxTimestamp() <= this.timers.currentProcessingTime()) {
      throw new EddyError(
        `[eddy] ${this.name}: the end of a processing-time window cannot become earlier than the current processing time by merging (now ${this.timers.currentProcessingTime()}, window ${String(mergeResult)})`,
        { code: "ILLEGAL_STATE", operator: this.name },
      );
    }
    const ctx = this.triggerContext;
    ctx.window = mergeResult;
    ctx.namespace = this.assigner.namespaceOf(mergeResult);
    ctx.mergedNamespaces = mergedWindows.map((w) => this.assigner.namespaceOf(w));
    this.trigger.onMerge(mergeResult, ctx);
    ctx.mergedNamespaces = [];
    for (const merged of mergedWindows) {
      ctx.window = merged;
      ctx.namespace = this.assigner.namespaceOf(merged);
      this.trigger.clear(merged, ctx);
      this.deleteCleanupTimer(merged, ctx.namespace);
    }
    if (mergedStateWindows.length > 0) {
      this.contents.mergeNamespaces!(
        this.assigner.namespaceOf(stateWindowResult),
        mergedStateWindows.map((w) => this.assigner.namespaceOf(w)),
      );
    }
  }

  onEventTime(timer: Timer): void {
    this.onTimer(timer, true);
  }

  onProcessingTime(timer: Timer): void {
    this.onTimer(timer, false);
  }

  private onTimer(timer: Timer, eventTime: boolean): void {
    const window = this.assigner.windowOf(timer.namespace);
    const ctx = this.triggerContext;
    ctx.window = window;
    ctx.namespace = timer.namespace;
    let set: MergingWindowSet<IN, W> | undefined;
    if (this.mergingAssigner !== undefined) {
      set = this.mergingWindowSet();
      const stateWindow = set.getStateWindow(window);
      // A timer of a window that is gone (a trigger that did not delete its timers): nothing to do.
      if (stateWindow === undefined) return;
      this.contents.setCurrentNamespace(this.assigner.namespaceOf(stateWindow));
    } else {
      this.contents.setCurrentNamespace(timer.namespace);
    }
    const result = eventTime
      ? this.trigger.onEventTime(timer.timestamp, window, ctx)
      : this.trigger.onProcessingTime(timer.timestamp, window, ctx);
    if (result !== "CONTINUE") this.applyResult(result, window);
    if (eventTime === this.isEventTime && timer.timestamp === this.cleanupTime(window)) {
      this.clearAllState(window, timer.namespace, set);
    }
    set?.persist();
  }

  /** Fires and/or purges the window whose contents namespace is current. */
  private applyResult(result: TriggerResult, window: W): void {
    if (isFire(result)) {
      const fired = this.readContents();
      if (fired !== undefined) this.emitWindowContents(window, this.triggerContext.namespace, fired);
    }
    if (isPurge(result)) this.contents.clear();
  }

  private clearAllState(window: W, namespace: Namespace, set: MergingWindowSet<IN, W> | undefined): void {
    this.contents.clear();
    this.triggerContext.window = window;
    this.triggerContext.namespace = namespace;
    this.trigger.clear(window, this.triggerContext);
    for (const descriptor of this.windowStateDescriptors) {
      const state = this.backend.getState(descriptor) as unknown as InternalKvState & { clear(): void };
      state.setCurrentNamespace(namespace);
      state.clear();
    }
    if (set !== undefined) {
      set.retireWindow(window);
      set.persist();
    }
  }

  /** The current namespace's contents, or undefined when the window holds nothing. */
  private readContents(): unknown {
    const value = (this.contents as unknown as { get(): unknown }).get();
    if ((this.fn.kind === "process" || this.evictor !== undefined) && (value as unknown[]).length === 0) return undefined;
    return value;
  }

  private emitWindowContents(window: W, namespace: Namespace, contents: unknown): void {
    if (this.evictor !== undefined) {
      this.emitEvicting(window, namespace, contents as [IN, number][]);
      return;
    }
    const fn = this.fn;
    if (fn.kind !== "process" && fn.process === undefined) {
      this.output.collect(contents as OUT, window.maxTimestamp());
      return;
    }
    this.process(window, namespace, fn.kind === "process" ? (contents as IN[]) : [contents]);
  }

  private process(window: W, namespace: Namespace, elements: unknown[]): void {
    this.collector.timestamp = window.maxTimestamp();
    this.processContext.window = window;
    this.processContext.namespace = namespace;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (this.fn.process as any)(this.keyed.getCurrentKey(), this.processContext, elements, this.collector);
  }

  /** With an evictor the window keeps every element and the function runs over what is left (Flink's EvictingWindowOperator). */
  private emitEvicting(window: W, namespace: Namespace, stored: [IN, number][]): void {
    const evictor = this.evictor!;
    const records: TimestampedValue<IN>[] = stored.map(([value, timestamp]) => ({ value, timestamp }));
    evictor.evictBefore(records, records.length, window, this.evictorContext);
    const fn = this.fn;
    let result: unknown;
    let empty = false;
    if (fn.kind === "reduce") {
      empty = records.length === 0;
      if (!empty) {
        result = records[0]!.value;
        for (let i = 1; i < records.length; i++) result = fn.reduce(result as IN, records[i]!.value);
      }
    } else if (fn.kind === "aggregate") {
      let acc = fn.aggregate.createAccumulator();
      for (const r of records) acc = fn.aggregate.add(r.value, acc);
      result = fn.aggregate.getResult(acc);
    }
    if (fn.kind === "process") this.process(window, namespace, records.map((r) => r.value));
    else if (empty) {
      // Every element was evicted: a reduce has nothing to emit.
    } else if (fn.process === undefined) this.output.collect(result as OUT, window.maxTimestamp());
    else this.process(window, namespace, [result]);
    evictor.evictAfter(records, records.length, window, this.evictorContext);
    (this.contents as unknown as ListState<[IN, number]>).update(records.map((r) => [r.value, r.timestamp]));
  }

  // Merging assigners work on TimeWindows, as in Flink.
  private mergingWindowSet(): MergingWindowSet<IN, W> {
    this.mergingSetState!.setCurrentNamespace(0);
    return new MergingWindowSet<IN, W>(this.mergingAssigner!, this.mergingSetState!);
  }

  private cleanupTime(window: W): number {
    // +Infinity stays +Infinity: a window that never ends is never cleaned up.
    return this.isEventTime ? window.maxTimestamp() + this.allowedLateness : window.maxTimestamp();
  }

  private isWindowLate(window: W): boolean {
    return this.isEventTime && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  private isElementLate(timestamp: number): boolean {
    return this.isEventTime && timestamp + this.allowedLateness <= this.timers.currentWatermark();
  }

  private registerCleanupTimer(window: W, namespace: Namespace): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.isEventTime) this.timers.registerEventTimeTimer(namespace, time);
    else this.timers.registerProcessingTimeTimer(namespace, time);
  }

  private deleteCleanupTimer(window: W, namespace: Namespace): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.isEventTime) this.timers.deleteEventTimeTimer(namespace, time);
    else this.timers.deleteProcessingTimeTimer(namespace, time);
  }

  /** @internal Used by the process context. */
  windowStateFor<S>(descriptor: StateDescriptor<S>, namespace: Namespace): S {
    if (this.mergingAssigner !== undefined) {
      throw new EddyError(`[eddy] ${this.name}: per-window state is not supported with merging windows (${this.assigner.toString()})`, {
        code: "UNSUPPORTED",
        domain: "user",
        operator: this.name,
        retryable: false,
      });
    }
    this.windowStateDescriptors.add(descriptor as StateDescriptor<unknown>);
    const state = this.backend.getState(descriptor);
    state.setCurrentNamespace(namespace);
    return state;
  }

  /** @internal Used by the process context. */
  globalStateFor<S>(descriptor: StateDescriptor<S>): S {
    const state = this.backend.getState(descriptor);
    state.setCurrentNamespace(0);
    return state;
  }

  /** @internal Used by the process context. */
  sideOutput<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    this.output.collectSide(tag, value, timestamp);
  }

  /** @internal Used by the process context. */
  clocks(): InternalTimerService {
    return this.timers;
  }
}

/** Creates a window operator (the API calls this for `window(...).reduce/aggregate/process`). */
export function createWindowOperator<IN, OUT, W extends Window = Window>(
  options: WindowOperatorOptions<IN, OUT, W>,
): WindowOperator<IN, OUT, W> {
  return new WindowOperator(options);
}

