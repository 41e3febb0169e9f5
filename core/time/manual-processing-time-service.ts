/**
 * A ProcessingTimeService over a {@link ManualClock}: callbacks run, in timestamp order, when the
 * clock is advanced past them (Flink's TestProcessingTimeService). For tests and the harness.
 */
import { ManualClock } from "./clocks.ts";
import type { ProcessingTimeService } from "./types.ts";

interface Scheduled {
  readonly timestamp: number;
  readonly seq: number;
  readonly callback: (now: number) => void;
  cancelled: boolean;
}

/** A manually driven {@link ProcessingTimeService}. */
export class ManualProcessingTimeService implements ProcessingTimeService {
  private queue: Scheduled[] = [];
  private seq = 0;

  constructor(readonly clock: ManualClock = new ManualClock()) {}

  scheduleAt(timestamp: number, callback: (now: number) => void): () => void {
    const entry: Scheduled = { timestamp, seq: this.seq++, callback, cancelled: false };
    // Keep the queue sorted by (timestamp, seq); scheduling is rare next to firing checks.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.timestamp > timestamp) i--;
    this.queue.splice(i, 0, entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** Number of callbacks waiting to run. */
  get pendingCount(): number {
    let n = 0;
    for (const e of this.queue) if (!e.cancelled) n++;
    return n;
  }

  /** Earliest pending timestamp, if any. */
  nextTimestamp(): number | undefined {
    for (const e of this.queue) if (!e.cancelled) return e.timestamp;
    return undefined;
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

  /** Runs every callback due at the current time. */
  runDue(): void {
    const now = this.clock.now();
    while (this.queue.length > 0 && this.queue[0]!.timestamp <= now) {
      const entry = this.queue.shift()!;
      if (!entry.cancelled) entry.callback(now);
    }
  }
}
