/** @module Test utilities for user operators: a harness that drives one operator by hand with a manual clock. */
export {
  OperatorTestHarness,
  type OperatorTestHarnessOptions,
  type CollectedRecord,
  type HarnessEvent,
} from "./operator-test-harness.ts";
export { ManualClock } from "../time/clocks.ts";
export { ManualProcessingTimeService } from "../time/manual-processing-time-service.ts";
export { crashAtCheckpoint, type CrashPoint } from "./crash-at-checkpoint.ts";
