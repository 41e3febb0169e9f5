import { TimestampHeap } from "../time/timestamp-heap.ts";

/**
 * Which subtasks of an executor are runnable (Timely's `step_or_park`): a subtask is queued when
 * something may let it progress (input, credit, a timer, mail, settled asynchronous work) and
 * parked otherwise, so an idle subtask costs nothing. A round steps the queued subtasks in index
 * order (the executor's topological order); one activated during a round runs in that round if
 * its index is still ahead, in the next one otherwise. That is the order in which stepping every
 * subtask every round would have made progress, so runs stay deterministic.
 */
export class ActivationQueue {
  private readonly queued: Uint8Array;
  /** Queued for this round: a min-heap of indices. */
  private readonly current = new TimestampHeap();
  /** Queued for the next round. */
  private readonly later: number[] = [];
  private inRound = false;
  /** The index stepped last in this round (-1 before the first). */
  private cursor = -1;
  private count = 0;

  constructor(size: number) {
    this.queued = new Uint8Array(size);
  }

  /** Subtasks queued, this round and the next. */
  get size(): number {
    return this.count;
  }

  /** Whether subtask `index` is queued. */
  isQueued(index: number): boolean {
    return this.queued[index] === 1;
  }

  /** Queues subtask `index` (again a no-op while it is queued). */
  activate(index: number): void {
    if (this.queued[index] === 1) return;
    this.queued[index] = 1;
    this.count++;
    if (this.inRound && index > this.cursor) this.current.push(index);
    else this.later.push(index);
  }

  /** Queues every subtask. */
  activateAll(): void {
    for (let i = 0; i < this.queued.length; i++) this.activate(i);
  }

  /** Starts a round with what was queued for it. */
  beginRound(): void {
    const later = this.later;
    for (let i = 0; i < later.length; i++) this.current.push(later[i]!);
    later.length = 0;
    this.inRound = true;
    this.cursor = -1;
  }

  /** The next subtask of this round, lowest index first, unqueued; -1 when the round is done. */
  next(): number {
    if (this.current.size === 0) {
      this.inRound = false;
      this.cursor = -1;
      return -1;
    }
    const index = this.current.pop()!;
    this.queued[index] = 0;
    this.count--;
    this.cursor = index;
    return index;
  }
}
