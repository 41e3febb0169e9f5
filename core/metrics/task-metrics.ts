/**
 * Time accounting of one subtask (Flink 1.13+): busy, backpressured and idle milliseconds per
 * second, plus record counters. In one isolate a runnable task waiting for the CPU counts as idle.
 */

/** Backpressure level of a vertex, by its highest subtask ratio (Flink's thresholds). */
export type BackpressureLevel = "ok" | "low" | "high";

/** Level for a backpressured-time ratio: OK <= 0.10, LOW <= 0.5, HIGH above. */
export function backpressureLevel(ratio: number): BackpressureLevel {
  if (ratio <= 0.1) return "ok";
  if (ratio <= 0.5) return "low";
  return "high";
}

/** Cumulative counters of one subtask, sampled into per-second rates. */
export class TaskMetrics {
  busyMs = 0;
  backPressuredMs = 0;
  recordsIn = 0;
  recordsOut = 0;
  /** Set while the task is blocked on output: when it became blocked. */
  blockedSince: number | undefined;
  currentInputWatermark = Number.NEGATIVE_INFINITY;
  currentOutputWatermark = Number.NEGATIVE_INFINITY;
  /** Time the task waited on its own operators' asynchronous work (a sink's writes), ms, cumulative. */
  asyncWaitMs = 0;
  /** When it started waiting on that work. */
  asyncSince: number | undefined;
  /** Record·ms its input records waited in channels, and the records taken out, cumulative. */
  queueWaitedMs = 0;
  queueTaken = 0;
  /** Time the task had nothing to take (no input, or a source's reader nothing to read), ms, cumulative. */
  private noInputMs = 0;
  /** Since when it has had nothing to take. */
  private noInputSince: number | undefined;

  // Rates over the last sampling interval.
  busyMsPerSecond = 0;
  backPressuredMsPerSecond = 0;
  idleMsPerSecond = 1000;
  recordsInPerSecond = 0;
  recordsOutPerSecond = 0;

  private lastSampleAt: number | undefined;
  private lastBusy = 0;
  private lastBackPressured = 0;
  private lastIn = 0;
  private lastOut = 0;

  /** A step found nothing to take. */
  noInput(now: number): void {
    if (this.noInputSince === undefined) this.noInputSince = now;
  }

  /** A step took something (at `now`, when it started). */
  hadInput(now: number): void {
    if (this.noInputSince !== undefined) {
      this.noInputMs += Math.max(0, now - this.noInputSince);
      this.noInputSince = undefined;
    }
  }

  /** Time without input up to `now`, ms, cumulative (a wait still going on counted so far). */
  noInputMsAt(now: number): number {
    return this.noInputMs + (this.noInputSince !== undefined ? Math.max(0, now - this.noInputSince) : 0);
  }

  /** Backpressured time up to `now`, ms, cumulative (a block still going on counted so far). */
  backPressuredMsAt(now: number): number {
    return this.backPressuredMs + (this.blockedSince !== undefined ? Math.max(0, now - this.blockedSince) : 0);
  }

  blocked(now: number): void {
    if (this.blockedSince === undefined) this.blockedSince = now;
  }

  unblocked(now: number): void {
    if (this.blockedSince !== undefined) {
      this.backPressuredMs += now - this.blockedSince;
      this.blockedSince = undefined;
    }
  }

  /** Turns the counters since the last sample into per-second rates. */
  sample(now: number): void {
    if (this.blockedSince !== undefined) {
      this.backPressuredMs += now - this.blockedSince;
      this.blockedSince = now;
    }
    if (this.lastSampleAt !== undefined && now > this.lastSampleAt) {
      const elapsed = now - this.lastSampleAt;
      const scale = 1000 / elapsed;
      this.busyMsPerSecond = Math.min(1000, (this.busyMs - this.lastBusy) * scale);
      this.backPressuredMsPerSecond = Math.min(1000 - this.busyMsPerSecond, (this.backPressuredMs - this.lastBackPressured) * scale);
      this.idleMsPerSecond = Math.max(0, 1000 - this.busyMsPerSecond - this.backPressuredMsPerSecond);
      this.recordsInPerSecond = (this.recordsIn - this.lastIn) * scale;
      this.recordsOutPerSecond = (this.recordsOut - this.lastOut) * scale;
    }
    this.lastSampleAt = now;
    this.lastBusy = this.busyMs;
    this.lastBackPressured = this.backPressuredMs;
    this.lastIn = this.recordsIn;
    this.lastOut = this.recordsOut;
  }

  /** Backpressured share of the last interval, 0..1. */
  backPressureRatio(): number {
    return this.backPressuredMsPerSecond / 1000;
  }
}
