/** Processing-time clocks: the system clock, and a manual clock for tests and the harness. */
import { EddyError } from "../errors.ts";
import type { Clock } from "./types.ts";

/** Wall-clock time (`Date.now()`). */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private time: number;

  constructor(start = 0) {
    checkTime(start, "start");
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Moves the clock to `time`; it never goes back. */
  advanceTo(time: number): void {
    checkTime(time, "time");
    if (time < this.time) {
      throw new EddyError(`[eddy] ManualClock.advanceTo(${time}) would move the clock back from ${this.time}: expected a time >= now`, {
        code: "INVALID_ARGUMENT",
        domain: "user",
        retryable: false,
      });
    }
    this.time = time;
  }

  /** Moves the clock forward by `ms` (>= 0). */
  advanceBy(ms: number): void {
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new EddyError(`[eddy] ManualClock.advanceBy got ms=${String(ms)}: expected a finite number >= 0`, {
        code: "INVALID_ARGUMENT",
        domain: "user",
        retryable: false,
      });
    }
    this.time += ms;
  }
}

function checkTime(time: number, name: string): void {
  if (typeof time !== "number" || !Number.isFinite(time)) {
    throw new EddyError(`[eddy] ManualClock got ${name}=${String(time)}: expected a finite number of ms`, {
      code: "INVALID_ARGUMENT",
      domain: "user",
      retryable: false,
    });
  }
}
