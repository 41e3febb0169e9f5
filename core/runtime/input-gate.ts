/**
 * The input side of a task: its channels polled round-robin, watermarks combined per channel
 * (minimum over active channels), end-of-data counted per channel.
 */
import type { InputChannel } from "./channel.ts";
import type { ChannelItem } from "./stream-element.ts";

/** An item taken from the gate, with the channel it came from. */
export interface GateItem {
  readonly item: ChannelItem;
  readonly channel: InputChannel;
}

/** All input channels of one subtask. */
export class InputGate {
  private next = 0;
  private readonly ended: boolean[];
  private endedCount = 0;
  /** Channels whose items are held back (barrier alignment). */
  readonly blocked: boolean[];

  constructor(readonly channels: readonly InputChannel[]) {
    this.ended = channels.map(() => false);
    this.blocked = channels.map(() => false);
  }

  /** Takes the next item from a channel that has one, round-robin; undefined when none has. */
  poll(): GateItem | undefined {
    const n = this.channels.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (this.blocked[i]) continue;
      const channel = this.channels[i]!;
      const item = channel.poll();
      if (item !== undefined) {
        this.next = (i + 1) % n;
        return { item, channel };
      }
    }
    return undefined;
  }


  /** Records end-of-data on a channel; true when every channel has ended. */
  markEnded(channel: InputChannel): boolean {
    const i = channel.consumerIndex;
    if (!this.ended[i]) {
      this.ended[i] = true;
      this.endedCount++;
    }
    return this.endedCount === this.channels.length;
  }

  isEnded(channel: InputChannel): boolean {
    return this.ended[channel.consumerIndex]!;
  }

}
