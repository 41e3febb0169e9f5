/**
 * Checkpoint barriers at a task with input channels (Flink's CheckpointBarrierHandler):
 * aligned (exactly-once: a channel that delivered the barrier is held back until all have),
 * at-least-once (no holding back), unaligned (snapshot at the first barrier, then record the
 * records still arriving ahead of the other channels' barriers as channel state), and aligned
 * barriers that turn unaligned after a timeout. The runtime aligns; operators never see barriers.
 */
import type { ChannelState } from "../checkpoint/types.ts";
import type { InputChannel } from "./channel.ts";
import type { InputGate } from "./input-gate.ts";
import type { ChannelItem, ControlElement } from "./stream-element.ts";
import { InFlightRecorder } from "./in-flight-data.ts";

/** A barrier as it travels. */
export type Barrier = Extract<ControlElement, { kind: "barrier" }>;

/** What the handler asks of its task. */
export interface BarrierHandlerTask {
  /** Pre-commit, snapshot the chain and send the barrier on (ahead of queued data when unaligned). */
  snapshot(barrier: Barrier, unaligned: boolean): void;
  /** All barriers are in: acknowledge with the channel state recorded since the snapshot. */
  acknowledge(checkpointId: number, channelState: ChannelState[], alignmentMs: number, unaligned: boolean): void;
}

interface Alignment {
  readonly barrier: Barrier;
  readonly received: boolean[];
  receivedCount: number;
  readonly startedAt: number;
  unaligned: boolean;
  snapshotTaken: boolean;
  alignmentMs: number;
  /** Per channel index: records and watermarks recorded after the snapshot, before that channel's barrier. */
  readonly recording: Map<number, InFlightRecorder>;
  /** What barriers overtook in the queues of remote input channels, on their arrival. */
  readonly overtaken: ChannelState[];
}

/** Tracks one checkpoint's barriers at a time; a newer barrier supersedes an unfinished older one. */
export class BarrierHandler {
  private current: Alignment | undefined;
  /** True while some channel's records must be copied into channel state (fast check per batch). */
  recording = false;

  constructor(private readonly gate: InputGate, private readonly task: BarrierHandlerTask) {}

  /** The checkpoint being aligned, if any. */
  get pendingCheckpoint(): number | undefined {
    return this.current?.barrier.checkpointId;
  }

  onBarrier(channel: InputChannel, barrier: Barrier): void {
    const index = channel.consumerIndex;
    let a = this.current;
    if (a !== undefined && barrier.checkpointId < a.barrier.checkpointId) return;
    if (a === undefined || barrier.checkpointId > a.barrier.checkpointId) {
      if (a !== undefined) this.reset();
      a = this.start(barrier);
    }
    if (a.received[index]) return;
    const overtaken = channel.takeOvertaken?.(barrier.checkpointId);
    if (overtaken !== undefined && overtaken.length > 0) {
      const recorder = new InFlightRecorder();
      for (const item of overtaken) recorder.add(item);
      if (!recorder.isEmpty()) a.overtaken.push(recorder.toState(channel.key, 1));
    }
    this.receive(a, index);
    if (barrier.options.alignment === "unaligned" && !a.unaligned) this.goUnaligned(a, false);
    if (a.unaligned) {
      if (!a.snapshotTaken) this.takeSnapshot(a);
    } else if (barrier.options.alignment === "aligned" && a.receivedCount < a.received.length) {
      this.gate.blocked[index] = true;
    }
    this.maybeComplete(a);
  }

  /** End of data on a channel counts as its barrier for any pending alignment. */
  onEndOfData(channel: InputChannel): void {
    const a = this.current;
    if (a === undefined || a.received[channel.consumerIndex]) return;
    this.receive(a, channel.consumerIndex);
    this.maybeComplete(a);
  }

  /** Copies records and watermarks that arrive on a recording channel into the checkpoint's channel state. */
  onItem(channel: InputChannel, item: ChannelItem): void {
    this.current?.recording.get(channel.consumerIndex)?.add(item);
  }

  /**
   * The alignment timeout passed (or the coordinator asked): snapshot now; barriers still
   * queued on input channels are pulled out, the records ahead of them become channel state.
   */
  switchToUnaligned(checkpointId: number): void {
    let a = this.current;
    if (a === undefined || a.barrier.checkpointId < checkpointId) {
      // Not aligning yet: start if this checkpoint's barrier is already queued on an input.
      const queued = this.findQueuedBarrier(checkpointId);
      if (queued === undefined) return;
      if (a !== undefined) this.reset();
      a = this.start(queued);
    }
    if (a.barrier.checkpointId !== checkpointId || a.unaligned) return;
    this.goUnaligned(a, true);
    this.maybeComplete(a);
  }

  private findQueuedBarrier(checkpointId: number): Barrier | undefined {
    for (const channel of this.gate.channels) {
      for (const item of channel.inFlight()) {
        if ((item as Barrier).kind === "barrier" && (item as Barrier).checkpointId === checkpointId) return item as Barrier;
      }
    }
    return undefined;
  }

  /** Drops the current alignment (checkpoint aborted). */
  abort(checkpointId: number): void {
    if (this.current?.barrier.checkpointId === checkpointId) this.reset();
  }

  private start(barrier: Barrier): Alignment {
    const received = this.gate.channels.map((c) => this.gate.isEnded(c));
    const a: Alignment = {
      barrier,
      received,
      receivedCount: received.filter(Boolean).length,
      startedAt: performance.now(),
      unaligned: false,
      snapshotTaken: false,
      alignmentMs: 0,
      recording: new Map(),
      overtaken: [],
    };
    this.current = a;
    return a;
  }

  private receive(a: Alignment, index: number): void {
    a.received[index] = true;
    a.receivedCount++;
    if (a.recording.has(index)) {
      // Recording for this channel ends with its barrier; keep what was recorded.
      this.recording = [...a.recording.keys()].some((i) => !a.received[i]);
    }
  }

  private goUnaligned(a: Alignment, pullQueuedBarriers: boolean): void {
    a.unaligned = true;
    for (let i = 0; i < this.gate.blocked.length; i++) this.gate.blocked[i] = false;
    if (!a.snapshotTaken) this.takeSnapshot(a);
    if (!pullQueuedBarriers) return;
    for (let i = 0; i < a.received.length; i++) {
      if (a.received[i]) continue;
      const channel = this.gate.channels[i]!;
      const found = channel.takeOut((item) => (item as Barrier).kind === "barrier" && (item as Barrier).checkpointId === a.barrier.checkpointId);
      if (found === undefined) continue;
      const rec = a.recording.get(i)!;
      for (const item of found.before) rec.add(item);
      this.receive(a, i);
    }
  }

  private takeSnapshot(a: Alignment): void {
    a.snapshotTaken = true;
    a.alignmentMs = performance.now() - a.startedAt;
    if (a.unaligned) {
      for (let i = 0; i < a.received.length; i++) if (!a.received[i]) a.recording.set(i, new InFlightRecorder());
      this.recording = a.recording.size > 0;
    }
    this.task.snapshot(a.barrier, a.unaligned);
  }

  private maybeComplete(a: Alignment): void {
    if (a.receivedCount < a.received.length) return;
    if (!a.snapshotTaken) this.takeSnapshot(a);
    const channelState: ChannelState[] = [...a.overtaken];
    for (const [i, rec] of a.recording) if (!rec.isEmpty()) channelState.push(rec.toState(this.gate.channels[i]!.key, 0));
    this.reset();
    this.task.acknowledge(a.barrier.checkpointId, channelState, a.alignmentMs, a.unaligned);
  }

  private reset(): void {
    for (let i = 0; i < this.gate.blocked.length; i++) this.gate.blocked[i] = false;
    this.current = undefined;
    this.recording = false;
  }
}
