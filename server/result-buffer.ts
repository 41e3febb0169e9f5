/**
 * The records a collect sink keeps for `GET /jobs/:jobid/results`: the newest `capacity` of them,
 * in a ring, so that keeping a record costs the same whether the buffer is full or not.
 */
import { checkArgument } from "../core/errors.ts";

/** Newest records of a collect sink, at most `capacity`, oldest first. */
export class ResultBuffer<T = unknown> {
  private readonly ring: T[] = [];
  /** Where the oldest record sits once the ring is full (and the next one will be written). */
  private oldest = 0;
  /** Records received in total (dropped = total - size). */
  total = 0;

  constructor(readonly capacity: number) {
    checkArgument(Number.isInteger(capacity) && capacity >= 1, `[eddy] a result buffer needs a capacity of at least 1 record, got ${capacity}`);
  }

  push(value: T): void {
    this.total++;
    if (this.ring.length < this.capacity) {
      this.ring.push(value);
      return;
    }
    this.ring[this.oldest] = value;
    this.oldest = this.oldest + 1 === this.capacity ? 0 : this.oldest + 1;
  }

  /** Records kept. */
  get size(): number {
    return this.ring.length;
  }

  /** Kept records `start` to `end` (exclusive, clamped to what is kept), oldest first. */
  slice(start = 0, end = this.ring.length): T[] {
    const n = this.ring.length;
    const from = Math.min(Math.max(0, start), n);
    const to = Math.min(Math.max(from, end), n);
    const out = new Array<T>(to - from);
    for (let i = from; i < to; i++) {
      const at = this.oldest + i;
      out[i - from] = this.ring[at < n ? at : at - n]!;
    }
    return out;
  }
}
