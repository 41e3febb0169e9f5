/**
 * Builds the RuntimeContext and TimerService views that user functions see from an operator's
 * context.
 */
import { EddyError } from "../../errors.ts";
import type { OperatorContext } from "../../runtime/operator.ts";
import { VOID_NAMESPACE, type StateDescriptor } from "../../state/types.ts";
import type { RuntimeContext, TimerService } from "../functions.ts";

/** The RuntimeContext handed to `open`. */
export function runtimeContextOf(ctx: OperatorContext<unknown>): RuntimeContext {
  return {
    operatorName: ctx.operatorName,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    getState: <S>(descriptor: StateDescriptor<S>): S => ctx.getState(descriptor),
    ...(ctx.watch !== undefined ? { watch: ctx.watch } : {}),
  };
}

/** A TimerService over the operator's keyed timers (void namespace); non-keyed operators may only read the clocks. */
export function timerServiceOf(ctx: OperatorContext<unknown>): TimerService {
  const keyed = ctx.keyed;
  const noTimers = (): never => {
    throw new EddyError(`[eddy] operator "${ctx.operatorName}": timers need a keyed stream; call keyBy(...) before process(...)`, {
      code: "INVALID_STATE_ACCESS",
      domain: "user",
      operator: ctx.operatorName,
    });
  };
  return {
    currentProcessingTime: () => ctx.processingTime.clock.now(),
    currentWatermark: () => ctx.currentWatermark(),
    registerEventTimeTimer: (ts) => (keyed ? keyed.timers.registerEventTimeTimer(VOID_NAMESPACE, ts) : noTimers()),
    registerProcessingTimeTimer: (ts) => (keyed ? keyed.timers.registerProcessingTimeTimer(VOID_NAMESPACE, ts) : noTimers()),
    deleteEventTimeTimer: (ts) => (keyed ? keyed.timers.deleteEventTimeTimer(VOID_NAMESPACE, ts) : noTimers()),
    deleteProcessingTimeTimer: (ts) => (keyed ? keyed.timers.deleteProcessingTimeTimer(VOID_NAMESPACE, ts) : noTimers()),
  };
}
