/**
 * Flink's StatusWatermarkValve: combines the watermarks and idleness of N input channels into
 * one watermark that only moves forward. The output is the minimum over active channels that
 * are "aligned" (have caught up with the output); when every channel is idle the output is idle.
 */
import { EddyError, checkArgument } from "../errors.ts";

/** Where the valve emits. */
export interface ValveOutput {
  emitWatermark(timestamp: number): void;
  emitWatermarkStatus(idle: boolean): void;
}

interface ChannelStatus {
  watermark: number;
  idle: boolean;
  /** Counted in the minimum: active and caught up with the output watermark. */
  aligned: boolean;
}

/** Combines the watermarks of several input channels. */
export class StatusWatermarkValve {
  private readonly channels: ChannelStatus[] = [];
  private lastOutputWatermark = Number.NEGATIVE_INFINITY;
  private outputIdle = false;

  constructor(
    numChannels: number,
    private readonly output: ValveOutput,
  ) {
    checkArgument(
      Number.isInteger(numChannels) && numChannels >= 1,
      `[eddy] StatusWatermarkValve got numChannels=${String(numChannels)}: expected an integer >= 1`,
    );
    for (let i = 0; i < numChannels; i++) {
      this.channels.push({ watermark: Number.NEGATIVE_INFINITY, idle: false, aligned: true });
    }
  }

  /** The last watermark emitted (-Infinity before any). */
  get currentWatermark(): number {
    return this.lastOutputWatermark;
  }

  /** Whether the combined output is idle. */
  get isIdle(): boolean {
    return this.outputIdle;
  }

  /** A watermark arrived on `channel`. Ignored while the channel or the whole valve is idle. */
  inputWatermark(watermark: number, channel: number): void {
    const status = this.channel(channel);
    if (this.outputIdle || status.idle) return;
    if (watermark > status.watermark) {
      status.watermark = watermark;
      // A channel that was left behind counts again once it catches up with the output.
      if (!status.aligned && watermark >= this.lastOutputWatermark) status.aligned = true;
      this.emitNewMinimum();
    }
  }

  /** A channel became idle (`true`) or active again (`false`). */
  inputWatermarkStatus(idle: boolean, channel: number): void {
    const status = this.channel(channel);
    if (idle && !status.idle) {
      status.idle = true;
      status.aligned = false;
      if (!this.channels.some((c) => !c.idle)) {
        // Nothing will advance any more: flush the largest watermark seen on any channel.
        if (status.watermark === this.lastOutputWatermark) this.emitMaximum();
        this.outputIdle = true;
        this.output.emitWatermarkStatus(true);
      } else if (status.watermark === this.lastOutputWatermark) {
        this.emitNewMinimum();
      }
    } else if (!idle && status.idle) {
      status.idle = false;
      if (status.watermark >= this.lastOutputWatermark) status.aligned = true;
      if (this.outputIdle) {
        this.outputIdle = false;
        this.output.emitWatermarkStatus(false);
      }
    }
  }

  private emitNewMinimum(): void {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    for (const c of this.channels) {
      if (c.aligned) {
        any = true;
        if (c.watermark < min) min = c.watermark;
      }
    }
    if (any && min > this.lastOutputWatermark) {
      this.lastOutputWatermark = min;
      this.output.emitWatermark(min);
    }
  }

  private emitMaximum(): void {
    let max = Number.NEGATIVE_INFINITY;
    for (const c of this.channels) if (c.watermark > max) max = c.watermark;
    if (max > this.lastOutputWatermark) {
      this.lastOutputWatermark = max;
      this.output.emitWatermark(max);
    }
  }

  private channel(index: number): ChannelStatus {
    const status = this.channels[index];
    if (status === undefined) {
      throw new EddyError(`[eddy] watermark valve channel ${index} does not exist: expected 0..${this.channels.length - 1}`, {
        code: "INVALID_ARGUMENT",
      });
    }
    return status;
  }
}
