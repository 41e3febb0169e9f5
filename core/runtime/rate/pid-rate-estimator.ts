/**
 * Spark Streaming's PIDRateEstimator: from what the job did in the last interval it computes the
 * ingestion rate the job can sustain, with a proportional term (the gap between the rate let in
 * and the rate processed), an integral term (the backlog queued up, as records per second of an
 * interval) and a derivative term (how fast the gap changes), never below a minimum rate.
 *
 *   processingRate  = elements / processingDelay                          (records/s)
 *   error           = latestRate - processingRate
 *   historicalError = schedulingDelay * processingRate / intervalMs
 *   dError          = (error - latestError) / (seconds since the last update)
 *   rate            = max(minRate, latestRate - P * error - I * historicalError - D * dError)
 *
 * The first observation only sets `latestRate` to the processing rate (no new rate), as in Spark.
 */
import { checkArgument } from "../../errors.ts";

/** The estimator's gains and limits (Spark's defaults: P 1.0, I 0.2, D 0.0, min rate 100). */
export interface PidOptions {
  readonly proportional?: number;
  readonly integral?: number;
  readonly derivative?: number;
  /** Records per second the rate never goes below. */
  readonly minRate?: number;
}

/** Spark's PIDRateEstimator, for one source (rates in records per second, times in ms). */
export class PIDRateEstimator {
  readonly proportional: number;
  readonly integral: number;
  readonly derivative: number;
  readonly minRate: number;
  private firstRun = true;
  private latestTime = -1;
  private latestRate = -1;
  private latestError = -1;

  constructor(
    /** The interval observations come at, ms (Spark's batch interval). */
    readonly intervalMs: number,
    options: PidOptions = {},
  ) {
    this.proportional = options.proportional ?? 1.0;
    this.integral = options.integral ?? 0.2;
    this.derivative = options.derivative ?? 0.0;
    this.minRate = options.minRate ?? 100;
    checkArgument(intervalMs > 0, `[eddy] the rate controller's interval must be > 0 ms, got ${intervalMs}`);
    checkArgument(this.proportional >= 0, `[eddy] the proportional gain must be >= 0, got ${this.proportional}`);
    checkArgument(this.integral >= 0, `[eddy] the integral gain must be >= 0, got ${this.integral}`);
    checkArgument(this.derivative >= 0, `[eddy] the derivative gain must be >= 0, got ${this.derivative}`);
    checkArgument(this.minRate > 0, `[eddy] the minimum rate must be > 0 records/s, got ${this.minRate}`);
  }

  /**
   * One observation: at `time` (ms), `elements` records were processed in `processingDelay` ms
   * of processing, and records waited `schedulingDelay` ms on average before being processed.
   * Returns the new rate, or undefined when there is none yet (first run, nothing processed).
   */
  compute(time: number, elements: number, processingDelay: number, schedulingDelay: number): number | undefined {
    if (!(time > this.latestTime && elements > 0 && processingDelay > 0)) return undefined;
    const delaySinceUpdate = (time - this.latestTime) / 1000;
    const processingRate = (elements / processingDelay) * 1000;
    const error = this.latestRate - processingRate;
    const historicalError = (schedulingDelay * processingRate) / this.intervalMs;
    const dError = (error - this.latestError) / delaySinceUpdate;
    const newRate = Math.max(this.latestRate - this.proportional * error - this.integral * historicalError - this.derivative * dError, this.minRate);
    this.latestTime = time;
    if (this.firstRun) {
      this.latestRate = processingRate;
      this.latestError = 0;
      this.firstRun = false;
      return undefined;
    }
    this.latestRate = newRate;
    this.latestError = error;
    return newRate;
  }
}
