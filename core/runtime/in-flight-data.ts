/**
 * In-flight data of unaligned checkpoints: what a barrier overtook on a channel, in data order,
 * records and the watermarks between them, so that a restore replays exactly what a run that
 * never failed would have processed (a late firing stays a separate firing).
 */
import type { ChannelState, InFlightControl } from "../checkpoint/types.ts";
import type { ChannelItem, RecordBatch } from "./stream-element.ts";

/** Collects one channel's in-flight items, oldest first. */
export class InFlightRecorder {
  private readonly values: unknown[] = [];
  private readonly timestamps: number[] = [];
  private readonly controls: InFlightControl[] = [];

  /** Records a batch's records, or a watermark / watermark status; barriers and end-of-data are not data. */
  add(item: ChannelItem): void {
    if ((item as RecordBatch).values !== undefined) {
      const batch = item as RecordBatch;
      for (let i = 0; i < batch.values.length; i++) {
        this.values.push(batch.values[i]);
        this.timestamps.push(batch.timestamps[i]!);
      }
      return;
    }
    const control = item as Exclude<ChannelItem, RecordBatch>;
    if (control.kind === "watermark") this.controls.push({ at: this.values.length, element: { kind: "watermark", timestamp: control.timestamp } });
    else if (control.kind === "watermark-status") this.controls.push({ at: this.values.length, element: { kind: "watermark-status", idle: control.idle } });
  }

  isEmpty(): boolean {
    return this.values.length === 0 && this.controls.length === 0;
  }

  toState(channel: string, order: 0 | 1 | 2): ChannelState {
    return { channel, order, values: this.values, timestamps: this.timestamps, ...(this.controls.length > 0 ? { controls: this.controls } : {}) };
  }
}

/** Turns channel state back into the items its channel replays: record batches and controls, in order. */
export function replayItems(state: ChannelState): ChannelItem[] {
  const items: ChannelItem[] = [];
  let from = 0;
  const flushRecords = (to: number): void => {
    if (to > from) items.push({ values: state.values.slice(from, to), timestamps: state.timestamps.slice(from, to) });
    from = to;
  };
  for (const c of state.controls ?? []) {
    flushRecords(c.at);
    items.push(c.element);
  }
  flushRecords(state.values.length);
  return items;
}
