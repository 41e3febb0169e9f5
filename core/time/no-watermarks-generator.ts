/** Flink's NoWatermarksGenerator: never emits a watermark (processing-time jobs). */
import type { WatermarkGenerator, WatermarkOutput } from "./types.ts";

/** A generator that emits nothing. */
export class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(_event: T, _eventTimestamp: number, _output: WatermarkOutput): void {}
  onPeriodicEmit(_output: WatermarkOutput): void {}
}
