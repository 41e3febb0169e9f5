/**
 * A ProcessingTimeService over a {@link ManualClock}: callbacks run, in timestamp order, when the
 * clock is advanced past them (Flink's TestProcessingTimeService). For tests and the harness.
 */
import { ProcessingTimeScheduler } from "../runtime/processing-time-scheduler.ts";
import { ManualClock } from "./clocks.ts";

/** A manually driven ProcessingTimeService: the executor's scheduler with a clock you move. */
export class ManualProcessingTimeService extends ProcessingTimeScheduler {
  declare readonly clock: ManualClock;

  constructor(clock: ManualClock = new ManualClock()) {
    super(clock);
  }

  /** Number of callbacks waiting to run. */
  get pendingCount(): number {
    return this.pending();
  }

  /** Earliest pending timestamp, if any. */
  nextTimestamp(): number | undefined {
    return this.nextDue();
  }

  /** Sets the clock to `time` and runs every callback due by then, including ones they schedule. */
  advanceTo(time: number): void {
    this.clock.advanceTo(time);
    this.runDue();
  }

  /** Advances the clock by `ms` and runs what is due. */
  advanceBy(ms: number): void {
    this.advanceTo(this.clock.now() + ms);
  }
}
