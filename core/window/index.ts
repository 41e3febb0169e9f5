/** @module Windows: assigners, triggers, the window operator with lateness and side outputs, and window and interval joins. */
export { TimeWindow, GlobalWindow, type Window } from "./time-window.ts";
export {
  WindowAssigner,
  MergingWindowAssigner,
  FixedSizeTimeWindowAssigner,
  isMergingAssigner,
  type WindowAssignerContext,
} from "./window-assigner.ts";
export { TumblingEventTimeWindows, TumblingProcessingTimeWindows } from "./tumbling-windows.ts";
export { SlidingEventTimeWindows, SlidingProcessingTimeWindows } from "./sliding-windows.ts";
export {
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  DynamicEventTimeSessionWindows,
  DynamicProcessingTimeSessionWindows,
  type SessionGapExtractor,
} from "./session-windows.ts";
export { GlobalWindows, NeverTrigger } from "./global-windows.ts";
export { Trigger, isFire, isPurge, type TriggerResult, type TriggerContext, type OnMergeContext } from "./trigger.ts";
export { EventTimeTrigger } from "./event-time-trigger.ts";
export { ProcessingTimeTrigger } from "./processing-time-trigger.ts";
export { CountTrigger } from "./count-trigger.ts";
export { PurgingTrigger } from "./purging-trigger.ts";
export { ContinuousEventTimeTrigger } from "./continuous-event-time-trigger.ts";
export { ContinuousProcessingTimeTrigger } from "./continuous-processing-time-trigger.ts";
export {
  CountEvictor,
  TimeEvictor,
  DeltaEvictor,
  type Evictor,
  type EvictorContext,
  type TimestampedValue,
  type DeltaFunction,
} from "./evictors.ts";
export { MergingWindowSet, type MergeFunction } from "./merging-window-set.ts";
export type { Collector, WindowContext, WindowProcessFn, WindowFunctionSpec } from "./window-function.ts";
export { WindowOperator, createWindowOperator, type WindowOperatorOptions } from "./window-operator.ts";
export {
  TwoInputWindowOperator,
  createWindowJoinOperator,
  createWindowCoGroupOperator,
  type TaggedUnion,
  type CoGroupFunction,
  type WindowJoinOptions,
  type WindowCoGroupOptions,
  type TwoInputWindowOptions,
} from "./window-join.ts";
export {
  IntervalJoinOperator,
  type IntervalJoinOptions,
  type ProcessJoinFunction,
  type ProcessJoinContext,
} from "./interval-join-operator.ts";
