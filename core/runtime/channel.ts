/**
 * A bounded channel between two subtasks. Capacity counts record batches (credits, as Flink's
 * credit-based flow control); control elements never need a credit but stay in order.
 */
import { type ChannelItem, isRecordBatch } from "./stream-element.ts";

/** Time records waited in a channel: the total (record·ms) and the records taken out, cumulative. */
export interface QueueingTime {
  waitedMs: number;
  taken: number;
}

/** The sending end of a channel, as a RecordWriter uses it. */
export interface OutputChannel<T = unknown> {
  /** Stable name across restores: `<edge>:<upstream subtask>-><downstream subtask>`. */
  readonly key: string;
  /** Whether a record batch may be pushed now. */
  hasCredit(): boolean;
  push(item: ChannelItem<T>): void;
  /** Sends an item ahead of everything the receiver has not consumed (an unaligned barrier). */
  pushFront(item: ChannelItem<T>): void;
  /** What the sender can still see of the data it pushed and nobody consumed yet. */
  inFlight(): ChannelItem<T>[];
  /** Whether the receiver is in another isolate (what it already received, the sender cannot see). */
  readonly remote: boolean;
  /** Set by the sender's executor: called when the channel goes from no credit to some. */
  onCredit: (() => void) | undefined;
}

/** The receiving end of a channel, as an input gate and barrier handler use it. */
export interface InputChannel<T = unknown> {
  readonly key: string;
  /** Index of this channel among its consumer's input channels. */
  readonly consumerIndex: number;
  /** Which input of the consumer's head operator it feeds (0, or 1 for two-input operators). */
  readonly input: number;
  poll(): ChannelItem<T> | undefined;
  isEmpty(): boolean;
  /** Removes the first item matching `predicate`; returns it with the items queued before it. */
  takeOut(predicate: (item: ChannelItem<T>) => boolean): { item: ChannelItem<T>; before: ChannelItem<T>[] } | undefined;
  inFlight(): ChannelItem<T>[];
  /**
   * Items an unaligned barrier overtook on arrival at this end (remote channels: the sender
   * could not see what was already delivered), once, for the checkpoint's channel state.
   */
  takeOvertaken?(checkpointId: number): ChannelItem<T>[] | undefined;
  /** How long records waited here (absent where nothing is measured). */
  readonly queueing?: QueueingTime;
  /** Set by the receiver's executor: called whenever an item arrives. */
  onArrival: (() => void) | undefined;
}

/** One producer subtask to one consumer subtask, both in this isolate. */
export class Channel<T = unknown> implements OutputChannel<T>, InputChannel<T> {
  readonly remote = false;
  private items: ChannelItem<T>[] = [];
  private head = 0;
  private batches = 0;
  onArrival: (() => void) | undefined;
  onCredit: (() => void) | undefined;

  constructor(
    /** Stable name across restores: `<edge>:<upstream subtask>-><downstream subtask>`. */
    readonly key: string,
    readonly capacity: number,
    /** Index of this channel among its consumer's input channels. */
    readonly consumerIndex: number,
    /** Which input of the consumer's head operator it feeds (0, or 1 for two-input operators). */
    readonly input: number,
  ) {}

  /** Whether a record batch may be pushed now. */
  hasCredit(): boolean {
    return this.batches < this.capacity;
  }

  /**
   * Queueing time of records, by Little's law: the area under the number of queued records over
   * time (record·ms) grows while records wait; divided by the records taken out it is their
   * average wait. The scheduling delay of a rate controller is read from it.
   */
  readonly queueing: QueueingTime = { waitedMs: 0, taken: 0 };
  private queued = 0;
  private changedAt = 0;

  private queueChange(delta: number): void {
    const now = performance.now();
    if (this.queued > 0) this.queueing.waitedMs += this.queued * (now - this.changedAt);
    this.changedAt = now;
    this.queued += delta;
    if (delta < 0) this.queueing.taken -= delta;
  }

  push(item: ChannelItem<T>): void {
    if (isRecordBatch(item)) {
      this.batches++;
      this.queueChange(item.values.length);
    }
    this.items.push(item);
    this.onArrival?.();
  }

  /** Puts an item ahead of everything queued (an unaligned barrier overtaking in-flight data). */
  pushFront(item: ChannelItem<T>): void {
    if (isRecordBatch(item)) {
      this.batches++;
      this.queueChange(item.values.length);
    }
    if (this.head > 0) {
      this.head--;
      this.items[this.head] = item;
    } else {
      this.items.unshift(item);
    }
    this.onArrival?.();
  }

  /** Removes the first item matching `predicate`; returns it with the items queued before it, or undefined if none matched. */
  takeOut(predicate: (item: ChannelItem<T>) => boolean): { item: ChannelItem<T>; before: ChannelItem<T>[] } | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (!predicate(item)) continue;
      const before = this.items.slice(this.head, i);
      this.items.splice(i, 1);
      if (isRecordBatch(item)) this.taken(item.values.length);
      return { item, before };
    }
    return undefined;
  }

  isEmpty(): boolean {
    return this.head === this.items.length;
  }

  poll(): ChannelItem<T> | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as ChannelItem<T>;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (isRecordBatch(item)) this.taken(item.values.length);
    return item;
  }

  /** A batch of `records` left the queue: a sender that had no credit may go on. */
  private taken(records: number): void {
    this.queueChange(-records);
    if (--this.batches === this.capacity - 1) this.onCredit?.();
  }

  /** Everything queued, oldest first (unaligned checkpoints snapshot it). */
  inFlight(): ChannelItem<T>[] {
    return this.items.slice(this.head);
  }
}
