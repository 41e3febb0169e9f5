/**
 * Channels between subtasks on different TaskManagers (Flink's network stack, credit-based):
 * the sender pushes a record batch only while it holds a credit; the receiver returns a credit
 * for every batch it consumes. Watermarks, watermark status, barriers and end-of-data travel in
 * band and need no credit. An unaligned barrier travels as a priority element: the receiver puts
 * it ahead of its queue and keeps what it overtook for the checkpoint, because the sender no
 * longer sees what it already delivered.
 *
 * The data plane is plain messages (the wire format), sent in bundles per peer TaskManager over
 * whatever transport the runtime offers: MessagePorts between workers, RPC between Durable Objects.
 */
import { EddyError, describeError } from "../errors.ts";
import { Channel, type OutputChannel } from "./channel.ts";
import type { ChannelItem, ControlElement, RecordBatch } from "./stream-element.ts";
import { type WireBatch, decodeBatch, encodeBatch } from "./wire-batch.ts";

/** One message on the data plane, for one channel. */
export type DataMessage =
  | { readonly kind: "records"; readonly channel: string; readonly batch: WireBatch }
  | { readonly kind: "control"; readonly channel: string; readonly element: ControlElement; readonly priority: boolean }
  | { readonly kind: "credit"; readonly channel: string; readonly credits: number };

/** Data messages of one job attempt, in order, from one TaskManager to another. */
export interface DataBundle {
  /** The job attempt they belong to (see {@link executionKey}); bundles of other attempts are dropped. */
  readonly execution: string;
  readonly messages: readonly DataMessage[];
}

/** Sends bundles to one peer TaskManager. Throws when a value cannot be sent (not structured-cloneable). */
export interface DataLink {
  /** `transfer`: buffers handed over with the bundle (columns of record batches), not copied. */
  send(bundle: DataBundle, transfer: ArrayBuffer[]): void;
}

/** Names a job attempt on the data plane and in control messages. */
export function executionKey(jobId: string, attempt: number): string {
  return `${jobId}/${attempt}`;
}

/** How many output channels of an executor wait for credit (so it lets credits in at once). */
export interface CreditWaits {
  starved: number;
}

/** The sending end of a channel to a subtask on another TaskManager. */
export class RemoteOutputChannel implements OutputChannel {
  readonly remote = true;
  private credits: number;
  onCredit: (() => void) | undefined;

  constructor(
    readonly key: string,
    private readonly outbox: Outbox,
    /** The receiver's queue size in batches: the credits it starts with. */
    capacity: number,
    private readonly waits: CreditWaits,
  ) {
    this.credits = capacity;
  }

  hasCredit(): boolean {
    return this.credits > 0;
  }

  push(item: ChannelItem): void {
    if ((item as RecordBatch).values !== undefined) {
      const batch = item as RecordBatch;
      if (--this.credits === 0) this.waits.starved++;
      this.outbox.addRecords(this.key, batch);
    } else {
      this.outbox.add({ kind: "control", channel: this.key, element: item as ControlElement, priority: false });
    }
  }

  pushFront(item: ChannelItem): void {
    this.outbox.add({ kind: "control", channel: this.key, element: item as ControlElement, priority: true });
  }

  inFlight(): ChannelItem[] {
    return [];
  }

  /** The receiver consumed `n` batches. */
  addCredit(n: number): void {
    const before = this.credits;
    this.credits += n;
    if (before <= 0 && this.credits > 0) {
      this.waits.starved--;
      this.onCredit?.();
    }
  }
}

/** The receiving end of a channel from a subtask on another TaskManager: a local queue fed by messages. */
export class RemoteInputChannel extends Channel {
  private readonly overtaken = new Map<number, ChannelItem[]>();

  constructor(key: string, capacity: number, consumerIndex: number, input: number, private readonly outbox: Outbox) {
    super(key, capacity, consumerIndex, input);
  }

  /** A message for this channel arrived. */
  deliver(message: Exclude<DataMessage, { kind: "credit" }>): void {
    if (message.kind === "records") {
      this.push(decodeBatch(message.batch));
    } else if (message.priority) {
      const element = message.element;
      if (element.kind === "barrier") this.overtaken.set(element.checkpointId, this.inFlight());
      this.pushFront(element);
    } else {
      this.push(message.element);
    }
  }

  override poll(): ChannelItem | undefined {
    const item = super.poll();
    if (item !== undefined && (item as RecordBatch).values !== undefined) this.outbox.credit(this.key);
    return item;
  }

  override takeOut(predicate: (item: ChannelItem) => boolean): { item: ChannelItem; before: ChannelItem[] } | undefined {
    const found = super.takeOut(predicate);
    if (found !== undefined && (found.item as RecordBatch).values !== undefined) this.outbox.credit(this.key);
    return found;
  }

  takeOvertaken(checkpointId: number): ChannelItem[] | undefined {
    const items = this.overtaken.get(checkpointId);
    this.overtaken.delete(checkpointId);
    return items;
  }
}

/** Names the operators at both ends of a channel, for errors. */
export type ChannelDescriber = (channelKey: string) => string;

/**
 * Messages waiting to go to one peer TaskManager; sent as one bundle per flush (the executor
 * flushes after each round of steps, so a bundle carries everything a round produced).
 */
export class Outbox {
  private messages: DataMessage[] = [];
  private transfer: ArrayBuffer[] = [];
  private readonly credits = new Map<string, number>();

  constructor(
    private readonly execution: string,
    private readonly link: DataLink,
    private readonly describe: ChannelDescriber,
  ) {}

  add(message: DataMessage): void {
    this.messages.push(message);
  }

  /** A record batch for `channel`, encoded now (its buffers go with the bundle). */
  addRecords(channel: string, batch: RecordBatch): void {
    const { batch: wire, transfer } = encodeBatch(batch.values, batch.timestamps);
    this.messages.push({ kind: "records", channel, batch: wire });
    for (const b of transfer) this.transfer.push(b);
  }

  /** One more batch consumed on `channel` (credits are summed until the flush). */
  credit(channel: string): void {
    this.credits.set(channel, (this.credits.get(channel) ?? 0) + 1);
  }

  isEmpty(): boolean {
    return this.messages.length === 0 && this.credits.size === 0;
  }

  /** Sends what is waiting. A value that cannot cross is an error naming the operators it left and was going to. */
  flush(): void {
    if (this.isEmpty()) return;
    const messages = this.messages;
    const transfer = this.transfer;
    for (const [channel, credits] of this.credits) messages.push({ kind: "credit", channel, credits });
    this.messages = [];
    this.transfer = [];
    this.credits.clear();
    try {
      this.link.send({ execution: this.execution, messages }, transfer);
    } catch (error) {
      throw this.explain(messages, error);
    }
  }

  private explain(messages: readonly DataMessage[], error: unknown): EddyError {
    let culprit: DataMessage | undefined;
    for (const m of messages) {
      if (m.kind !== "records" || m.batch.kind !== "cloned") continue;
      try {
        structuredClone(m.batch.values);
      } catch {
        culprit = m;
        break;
      }
    }
    const where = culprit === undefined ? "" : ` from ${this.describe(culprit.channel)}`;
    return new EddyError(
      `[eddy] a record${where} cannot be sent to another TaskManager: ${describeError(error)}. Records that cross TaskManagers must be structured-cloneable (plain objects, arrays, strings, numbers, booleans, BigInt, Date, Map, Set, typed arrays); functions and symbols cannot cross, and class instances arrive as plain objects`,
      { code: "RECORD_NOT_TRANSFERABLE", domain: "user", retryable: false, cause: error },
    );
  }
}
