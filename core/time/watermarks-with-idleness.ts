/**
 * Flink's WatermarksWithIdleness: wraps a generator and marks the output idle when no event has
 * arrived for the idle timeout (processing time); the next event makes it active again.
 */
import { checkArgument } from "../errors.ts";
import type { Clock, WatermarkGenerator, WatermarkOutput } from "./types.ts";

/** Flink's IdlenessTimer: idle once a periodic check has seen no activity for longer than the timeout. */
class IdlenessTimer {
  private counter = 0;
  private lastCounter = 0;
  private inactiveSince: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  activity(): void {
    this.counter++;
  }

  checkIfIdle(): boolean {
    if (this.counter !== this.lastCounter) {
      this.lastCounter = this.counter;
      this.inactiveSince = undefined;
      return false;
    }
    if (this.inactiveSince === undefined) {
      this.inactiveSince = this.clock.now();
      return false;
    }
    return this.clock.now() - this.inactiveSince > this.timeoutMs;
  }
}

/** A generator that goes idle after `idleTimeoutMs` without events. */
export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private readonly timer: IdlenessTimer;
  private idle = false;

  constructor(
    private readonly watermarks: WatermarkGenerator<T>,
    idleTimeoutMs: number,
    clock: Clock,
  ) {
    checkArgument(
      typeof idleTimeoutMs === "number" && idleTimeoutMs > 0 && Number.isFinite(idleTimeoutMs),
      `[eddy] idleTimeoutMs is ${String(idleTimeoutMs)}: expected a finite number of ms > 0`,
    );
    this.timer = new IdlenessTimer(clock, idleTimeoutMs);
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    this.watermarks.onEvent(event, eventTimestamp, output);
    this.timer.activity();
    if (this.idle) {
      this.idle = false;
      output.markActive();
    }
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.timer.checkIfIdle()) {
      if (!this.idle) {
        output.markIdle();
        this.idle = true;
      }
    } else {
      this.watermarks.onPeriodicEmit(output);
    }
  }
}
