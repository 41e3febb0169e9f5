/**
 * Control signals that travel in-band with records (Arroyo's `SignalMessage`). Records
 * themselves travel as columns of a {@link RecordBatch} so that moving them allocates nothing.
 */
export type ControlElement =
  | { readonly kind: "watermark"; readonly timestamp: number }
  | { readonly kind: "watermark-status"; readonly idle: boolean }
  | { readonly kind: "barrier"; readonly checkpointId: number; readonly timestamp: number; readonly options: BarrierOptions }
  | { readonly kind: "end-of-data" };

/** How a checkpoint barrier is to be handled by the receiving task. */
export interface BarrierOptions {
  /** `aligned` waits for the barrier on every input; `unaligned` overtakes in-flight data. */
  readonly alignment: "aligned" | "unaligned" | "at-least-once";
  /** A savepoint rather than a periodic checkpoint. */
  readonly savepoint: boolean;
  /** Aligned barriers switch to unaligned after this many ms of alignment (0 = never). */
  readonly alignedTimeoutMs: number;
}

/** A batch of records travelling on one channel. `timestamps[i]` is NaN when record i has none. */
export interface RecordBatch<T = unknown> {
  readonly values: T[];
  readonly timestamps: number[];
}

/** What a channel carries: a batch of records or one control element. */
export type ChannelItem<T = unknown> = RecordBatch<T> | ControlElement;

/** Narrows a channel item to a record batch. */
export function isRecordBatch<T>(item: ChannelItem<T>): item is RecordBatch<T> {
  return (item as RecordBatch<T>).values !== undefined;
}


/** The watermark before any was seen (Flink's Long.MIN_VALUE). */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;

/** The final watermark a bounded source emits when it ends (Flink's Long.MAX_VALUE). */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
