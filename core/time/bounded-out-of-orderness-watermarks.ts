/** Flink's BoundedOutOfOrdernessWatermarks: watermark = max timestamp seen - bound - 1. */
import { checkArgument } from "../errors.ts";
import type { WatermarkGenerator, WatermarkOutput } from "./types.ts";

/** Emits, periodically, the largest timestamp seen minus the out-of-orderness bound minus 1. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private readonly outOfOrdernessMs: number;

  constructor(maxOutOfOrdernessMs: number) {
    checkArgument(
      typeof maxOutOfOrdernessMs === "number" && maxOutOfOrdernessMs >= 0 && Number.isFinite(maxOutOfOrdernessMs),
      `[eddy] maxOutOfOrdernessMs is ${String(maxOutOfOrdernessMs)}: expected a finite number of ms >= 0`,
    );
    this.outOfOrdernessMs = maxOutOfOrdernessMs;
  }

  onEvent(_event: T, eventTimestamp: number, _output: WatermarkOutput): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    // Before any event this is -Infinity (Flink's Long.MIN_VALUE + bound + 1 - bound - 1).
    output.emitWatermark(this.maxTimestamp - this.outOfOrdernessMs - 1);
  }
}
