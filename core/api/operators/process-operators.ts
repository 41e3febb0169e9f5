/**
 * Operators for the process-function family: ProcessFunction, KeyedProcessFunction,
 * CoProcessFunction and KeyedCoProcessFunction, with timers and side outputs.
 */
import type { OperatorContext, Output, OutputTag, StreamOperator } from "../../runtime/operator.ts";
import type { Timer } from "../../time/types.ts";
import type { Key, StateDescriptor } from "../../state/types.ts";
import type {
  Collector,
  CoProcessFunction,
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  OnTimerContext,
  ProcessFunction,
  RichFunction,
  TimerService,
} from "../functions.ts";
import { copyForSubtask } from "../functions.ts";
import { runtimeContextOf, timerServiceOf } from "./runtime-context.ts";

/** Handlers for the two inputs and timers, whatever the function kind. */
interface Handlers {
  readonly first: (value: any, ctx: OnTimerContext<Key>, out: Collector<unknown>) => void;
  readonly second?: (value: any, ctx: OnTimerContext<Key>, out: Collector<unknown>) => void;
  readonly onTimer?: (timestamp: number, ctx: OnTimerContext<Key>, out: Collector<unknown>) => void;
  readonly rich: RichFunction;
}

/** One operator for every process function: the context exposes what the stream allows. */
export class ProcessOperator<OUT> implements StreamOperator<unknown, OUT> {
  private context!: OperatorContext<OUT>;
  private output!: Output<OUT>;
  private timestamp = Number.NaN;
  private domain: "EVENT_TIME" | "PROCESSING_TIME" = "EVENT_TIME";
  private timers!: TimerService;
  private readonly collector: Collector<OUT> = { collect: (v) => this.output.collect(v, this.timestamp) };
  private ctx!: OnTimerContext<Key>;

  constructor(private readonly handlers: Handlers) {}

  setup(context: OperatorContext<OUT>): void {
    this.context = context;
    this.output = context.output;
    this.timers = timerServiceOf(context as OperatorContext<unknown>);
    const self = this;
    this.ctx = {
      timestamp: () => (Number.isNaN(self.timestamp) ? undefined : self.timestamp),
      timerService: () => self.timers,
      output: <X>(tag: OutputTag<X>, value: X) => self.output.collectSide(tag, value, self.timestamp),
      getState: <S>(descriptor: StateDescriptor<S>): S => context.getState(descriptor),
      getCurrentKey: () => {
        if (context.keyed === undefined) throw new Error(`[eddy] operator "${context.operatorName}": getCurrentKey() needs a keyed stream`);
        return context.keyed.getCurrentKey();
      },
      timeDomain: () => self.domain,
    };
  }

  async open(): Promise<void> {
    await this.handlers.rich.open?.(runtimeContextOf(this.context as OperatorContext<unknown>));
  }

  processElement(value: unknown, timestamp: number, input: number): void {
    this.timestamp = timestamp;
    if (input === 0) this.handlers.first(value, this.ctx, this.collector as Collector<unknown>);
    else this.handlers.second!(value, this.ctx, this.collector as Collector<unknown>);
  }

  onEventTime(timer: Timer): void {
    this.fire(timer, "EVENT_TIME", timer.timestamp);
  }

  onProcessingTime(timer: Timer): void {
    this.fire(timer, "PROCESSING_TIME", Number.NaN);
  }

  async close(): Promise<void> {
    await this.handlers.rich.close?.();
  }

  private fire(timer: Timer, domain: "EVENT_TIME" | "PROCESSING_TIME", timestamp: number): void {
    this.domain = domain;
    this.timestamp = timestamp;
    this.handlers.onTimer?.(timer.timestamp, this.ctx, this.collector as Collector<unknown>);
    this.domain = "EVENT_TIME";
  }
}

/** Operator for a ProcessFunction or a plain `(value, ctx, out)` function. */
export function processOperator<IN, OUT>(fn: ProcessFunction<IN, OUT> | ProcessFunction<IN, OUT>["processElement"]): ProcessOperator<OUT> {
  const f: ProcessFunction<IN, OUT> = typeof fn === "function" ? { processElement: fn } : copyForSubtask(fn);
  return new ProcessOperator<OUT>({ first: (v, c, o) => f.processElement(v, c, o as Collector<OUT>), rich: f });
}

/** Operator for a KeyedProcessFunction. */
export function keyedProcessOperator<K extends Key, IN, OUT>(udf: KeyedProcessFunction<K, IN, OUT>): ProcessOperator<OUT> {
  const f = copyForSubtask(udf);
  return new ProcessOperator<OUT>({
    first: (v, c, o) => f.processElement(v, c as OnTimerContext<K>, o as Collector<OUT>),
    onTimer: f.onTimer === undefined ? undefined : (ts, c, o) => f.onTimer!(ts, c as OnTimerContext<K>, o as Collector<OUT>),
    rich: f,
  });
}

/** Operator for a CoProcessFunction or KeyedCoProcessFunction. */
export function coProcessOperator<IN1, IN2, OUT>(udf: CoProcessFunction<IN1, IN2, OUT> | KeyedCoProcessFunction<Key, IN1, IN2, OUT>): ProcessOperator<OUT> {
  const f = copyForSubtask(udf);
  const onTimer = (f as KeyedCoProcessFunction<Key, IN1, IN2, OUT>).onTimer;
  return new ProcessOperator<OUT>({
    first: (v, c, o) => f.processElement1(v, c as OnTimerContext<Key>, o as Collector<OUT>),
    second: (v, c, o) => f.processElement2(v, c as OnTimerContext<Key>, o as Collector<OUT>),
    onTimer: onTimer === undefined ? undefined : (ts, c, o) => onTimer.call(f, ts, c, o as Collector<OUT>),
    rich: f,
  });
}
