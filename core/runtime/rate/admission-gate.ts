/**
 * Admission for push sources (records posted over HTTP or WebSocket, or handed in by any caller
 * outside the job): credits cannot reach such a producer, so the rate its source's rate
 * controller sets is what the source admits. A token bucket at that rate, holding at most one
 * burst (the rate times `burstSeconds`), admits a batch whole or not at all; a refused caller is
 * told how long until the batch would fit, which an HTTP source answers as 429 with Retry-After.
 */
import { checkArgument } from "../../errors.ts";

/** What {@link AdmissionGate.admit} decided. */
export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number; readonly rate: number };

/** Options of an {@link AdmissionGate}. */
export interface AdmissionGateOptions {
  /** Seconds of the current rate a burst may hold (default 1). */
  readonly burstSeconds?: number;
}

/** A token bucket at a source's rate; unlimited until a rate is set. */
export class AdmissionGate {
  private rate: number | undefined;
  private tokens = 0;
  private refilledAt = 0;
  private readonly burstSeconds: number;

  constructor(options: AdmissionGateOptions = {}) {
    const burst = options.burstSeconds ?? 1;
    checkArgument(burst > 0 && Number.isFinite(burst), `[eddy] AdmissionGate: burstSeconds must be a finite number > 0, got ${burst}`);
    this.burstSeconds = burst;
  }

  /** The rate records are admitted at, records/s (undefined: unlimited). */
  get currentRate(): number | undefined {
    return this.rate;
  }

  /** Sets the admission rate at `now` (ms); undefined lifts the limit. A new rate starts with a full burst of it. */
  setRate(rate: number | undefined, now: number): void {
    checkArgument(rate === undefined || rate > 0, `[eddy] AdmissionGate: a rate must be > 0 records/s, got ${rate}`);
    const first = this.rate === undefined;
    this.refill(now);
    this.rate = rate;
    if (rate !== undefined) this.tokens = first ? this.capacity() : Math.min(this.tokens, this.capacity());
    this.refilledAt = now;
  }

  /**
   * Admits `count` records at `now` (ms) if the bucket holds them. A batch larger than one burst is
   * admitted once the bucket is full (it then owes the difference, so later batches wait for it):
   * a client is never told to retry a batch that could never fit.
   */
  admit(count: number, now: number): Admission {
    if (this.rate === undefined) return { admitted: true };
    this.refill(now);
    const needed = Math.min(count, this.capacity());
    if (this.tokens >= needed) {
      this.tokens -= count;
      return { admitted: true };
    }
    return { admitted: false, retryAfterMs: Math.ceil(((needed - this.tokens) / this.rate) * 1000), rate: this.rate };
  }

  private capacity(): number {
    return Math.max(1, (this.rate ?? 0) * this.burstSeconds);
  }

  private refill(now: number): void {
    if (this.rate !== undefined && now > this.refilledAt) this.tokens = Math.min(this.capacity(), this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = Math.max(this.refilledAt, now);
  }
}
