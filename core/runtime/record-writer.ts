/**
 * Writes records of one subtask to the channels of one outgoing edge: partitions them, gathers
 * them into batches per channel, and pushes batches only while the channel has credit.
 */
import type { OutputChannel } from "./channel.ts";
import type { ChannelSelector } from "./partitioner.ts";
import type { ChannelItem, ControlElement, RecordBatch } from "./stream-element.ts";
import { InFlightRecorder } from "./in-flight-data.ts";
import type { ChannelState } from "../checkpoint/types.ts";

/** Where a chained operator or a writer receives records and watermarks. */
export interface RecordTarget {
  processElement(value: unknown, timestamp: number, input: number): void;
  processWatermark(watermark: number): void;
  /** Set on targets that take a whole batch in one `processBatch` call (operators with StreamOperator.processBatch). */
  readonly takesBatches?: boolean;
  /** One call for a batch whose arrays the caller reuses afterwards (see StreamOperator.processBatch). */
  processBatch?(batch: RecordBatch, input: number): void;
}

interface ChannelBuffer {
  readonly channel: OutputChannel;
  values: unknown[];
  timestamps: number[];
  /** Sealed items waiting for credit, oldest first. */
  readonly pending: ChannelItem[];
}

/** Partitions and batches records onto the channels of one edge. */
export class RecordWriter implements RecordTarget {
  private readonly buffers: ChannelBuffer[];
  private readonly single: ChannelBuffer | undefined;
  private blockedBatches = 0;
  recordsOut = 0;
  /**
   * When a record went into an empty buffer while none was open (performance.now()); cleared by
   * a partial flush. Kept only for writers with channels to other TaskManagers: in one isolate a
   * buffer is sent when its task runs out of input, which keeps local runs deterministic.
   */
  openSince: number | undefined;
  private readonly tracksAge: boolean;

  constructor(
    channels: OutputChannel[],
    private readonly selector: ChannelSelector,
    private readonly batchSize: number,
  ) {
    this.buffers = channels.map((channel) => ({ channel, values: [], timestamps: [], pending: [] }));
    this.tracksAge = channels.some((c) => c.remote);
    this.single = this.buffers.length === 1 ? this.buffers[0] : undefined;
  }

  processElement(value: unknown, timestamp: number): void {
    this.recordsOut++;
    if (this.selector.broadcast) {
      for (const b of this.buffers) this.append(b, value, timestamp);
      return;
    }
    this.append(this.single ?? this.buffers[this.selector.select(value)]!, value, timestamp);
  }

  processWatermark(watermark: number): void {
    this.emitControl({ kind: "watermark", timestamp: watermark });
  }

  /**
   * Sends an unaligned barrier ahead of everything not yet consumed downstream, and returns
   * what it overtook per channel: queued batches and watermarks, those waiting for credit and
   * the open buffer, in data order. That data still flows; the checkpoint keeps a copy to replay.
   */
  emitPriority(element: ControlElement): ChannelState[] {
    const overtaken: ChannelState[] = [];
    for (const b of this.buffers) {
      const recorder = new InFlightRecorder();
      for (const item of b.channel.inFlight()) recorder.add(item);
      for (const item of b.pending) recorder.add(item);
      recorder.add({ values: b.values, timestamps: b.timestamps });
      b.channel.pushFront(element);
      if (!recorder.isEmpty()) overtaken.push(recorder.toState(b.channel.key, b.channel.remote ? 2 : 1));
    }
    return overtaken;
  }

  /**
   * Moves a barrier still waiting in this writer (behind batches without credit) into its
   * channels now, with the batches ahead of it, ignoring credits: the receiver can then pull it
   * out of its queue and keep the records before it as channel state (aligned timeout).
   */
  forceBarrier(checkpointId: number): void {
    for (const b of this.buffers) {
      const at = b.pending.findIndex((item) => (item as ControlElement).kind === "barrier" && (item as { checkpointId: number }).checkpointId === checkpointId);
      if (at < 0) continue;
      for (const item of b.pending.splice(0, at + 1)) {
        if ((item as RecordBatch).values !== undefined) this.blockedBatches--;
        b.channel.push(item);
      }
    }
  }

  /** Sends a control element on every channel, behind the records already written. */
  emitControl(element: ControlElement): void {
    for (const b of this.buffers) {
      this.seal(b);
      b.pending.push(element);
    }
    this.flush(false);
  }

  /**
   * Pushes sealed batches while channels have credit; with `partial`, also seals and sends
   * non-full buffers (when the task runs out of input, or for latency).
   */
  flush(partial: boolean): boolean {
    if (partial) this.openSince = undefined;
    let moved = false;
    for (const b of this.buffers) {
      if (partial) this.seal(b);
      while (b.pending.length > 0) {
        const item = b.pending[0]!;
        const isBatch = (item as RecordBatch).values !== undefined;
        if (isBatch && !b.channel.hasCredit()) break;
        b.pending.shift();
        if (isBatch) this.blockedBatches--;
        b.channel.push(item);
        moved = true;
      }
    }
    return moved;
  }

  /** True while some sealed batch is waiting for credit: the task must not produce more. */
  isBlocked(): boolean {
    return this.blockedBatches > 0;
  }

  /** Records buffered but not yet pushed (for end-of-input checks). */
  hasBuffered(): boolean {
    for (const b of this.buffers) if (b.values.length > 0 || b.pending.length > 0) return true;
    return false;
  }

  private append(b: ChannelBuffer, value: unknown, timestamp: number): void {
    if (this.tracksAge && b.values.length === 0 && this.openSince === undefined) this.openSince = performance.now();
    b.values.push(value);
    b.timestamps.push(timestamp);
    if (b.values.length >= this.batchSize) {
      this.seal(b);
      this.flushOne(b);
    }
  }

  private flushOne(b: ChannelBuffer): void {
    while (b.pending.length > 0) {
      const item = b.pending[0]!;
      const isBatch = (item as RecordBatch).values !== undefined;
      if (isBatch && !b.channel.hasCredit()) return;
      b.pending.shift();
      if (isBatch) this.blockedBatches--;
      b.channel.push(item);
    }
  }

  private seal(b: ChannelBuffer): void {
    if (b.values.length === 0) return;
    b.pending.push({ values: b.values, timestamps: b.timestamps });
    this.blockedBatches++;
    b.values = [];
    b.timestamps = [];
  }
}
