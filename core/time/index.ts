/** @module Time: clocks, watermark strategies and generators, idleness, the watermark valve and timers. */
export * from "./types.ts";
export { SystemClock, ManualClock } from "./clocks.ts";
export { ManualProcessingTimeService } from "./manual-processing-time-service.ts";
export {
  WatermarkStrategy,
  type WatermarkGeneratorContext,
  type WatermarkGeneratorSupplier,
} from "./watermark-strategy.ts";
export { BoundedOutOfOrdernessWatermarks } from "./bounded-out-of-orderness-watermarks.ts";
export { NoWatermarksGenerator } from "./no-watermarks-generator.ts";
export { WatermarksWithIdleness } from "./watermarks-with-idleness.ts";
export { StatusWatermarkValve, type ValveOutput } from "./status-watermark-valve.ts";
export {
  HeapInternalTimerService,
  type KeyContext,
  type TimersSnapshot,
  type TimerServiceOptions,
} from "./timer-service.ts";
