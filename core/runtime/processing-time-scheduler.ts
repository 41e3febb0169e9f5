/**
 * Processing-time callbacks of one job, ordered by due time, run by the executor between steps
 * (they are the mailbox actions of Flink's tasks).
 */
import type { Clock, ProcessingTimeService } from "../time/types.ts";

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly callback: (now: number) => void;
  cancelled: boolean;
}

/** A min-heap of callbacks by due time; ties run in scheduling order. */
export class ProcessingTimeScheduler implements ProcessingTimeService {
  private heap: Scheduled[] = [];
  private seq = 0;

  constructor(readonly clock: Clock) {}

  scheduleAt(timestamp: number, callback: (now: number) => void): () => void {
    const entry: Scheduled = { at: timestamp, seq: this.seq++, callback, cancelled: false };
    this.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /**
   * This scheduler as one subtask's operators see it: `fired` runs after each of their callbacks
   * (the executor queues the subtask, which then sends on what the callback emitted).
   */
  forSubtask(fired: () => void): ProcessingTimeService {
    return {
      clock: this.clock,
      scheduleAt: (timestamp, callback) =>
        this.scheduleAt(timestamp, (now) => {
          callback(now);
          fired();
        }),
    };
  }

  /** Calls `callback` every `periodMs`, first after `periodMs`. Returns a cancel function. */
  scheduleRepeating(periodMs: number, callback: (now: number) => void): () => void {
    let cancel = (): void => undefined;
    let stopped = false;
    const schedule = (from: number): void => {
      cancel = this.scheduleAt(from + periodMs, (now) => {
        if (stopped) return;
        callback(now);
        schedule(Math.max(now, from + periodMs));
      });
    };
    schedule(this.clock.now());
    return () => {
      stopped = true;
      cancel();
    };
  }

  /** Number of live callbacks waiting. */
  pending(): number {
    let n = 0;
    for (const e of this.heap) if (!e.cancelled) n++;
    return n;
  }

  /** Due time of the earliest live callback, or undefined. */
  nextDue(): number | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0]?.at;
  }

  /** Runs every callback due at the clock's current time; returns how many ran. */
  runDue(): number {
    const now = this.clock.now();
    let ran = 0;
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const entry = this.pop()!;
      if (entry.cancelled) continue;
      entry.callback(now);
      ran++;
    }
    return ran;
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(entry: Scheduled): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Scheduled | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
