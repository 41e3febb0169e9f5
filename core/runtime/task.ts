/**
 * Subtasks: a single-threaded loop per subtask, driven by the executor one bounded `step()` at
 * a time. A step processes one input batch (or polls a source for one batch); a task whose
 * output channels have no credit does not step: that is backpressure, without busy-waiting.
 */
import type { SourceReader } from "../connectors/source.ts";
import type { TaskMetrics } from "../metrics/task-metrics.ts";
import type { InputGate } from "./input-gate.ts";
import type { StatusWatermarkValve } from "../time/status-watermark-valve.ts";
import type { OperatorHost } from "./operator-host.ts";
import type { RecordTarget, RecordWriter } from "./record-writer.ts";
import type { SourceOutput } from "./source-output.ts";
import { MAX_WATERMARK } from "./stream-element.ts";

/** Where a task is in its life. */
export type TaskStatus = "RUNNING" | "FINISHED";

/** Identity of a subtask. */
export interface TaskInfo {
  readonly vertexId: string;
  readonly vertexName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/** What every task shares: its operator chain, its writers, its metrics. */
export abstract class Task {
  status: TaskStatus = "RUNNING";

  constructor(
    readonly info: TaskInfo,
    /** The chain's operators, head first, in topological order. */
    readonly hosts: readonly OperatorHost<any, any>[],
    readonly writers: readonly RecordWriter[],
    readonly metrics: TaskMetrics,
  ) {}

  /** Does one bounded piece of work; returns whether anything happened. */
  step(): boolean {
    if (this.status !== "RUNNING") return this.flushWriters(false);
    if (this.isOutputBlocked()) {
      const moved = this.flushWriters(false);
      if (this.isOutputBlocked()) {
        this.metrics.blocked(performance.now());
        return moved;
      }
      this.metrics.unblocked(performance.now());
    }
    if (this.operatorPending() !== undefined) return false;
    const started = performance.now();
    const worked = this.doStep();
    if (worked) this.metrics.busyMs += performance.now() - started;
    return worked;
  }

  protected abstract doStep(): boolean;

  /** Promises that, once settled, may let this task step again (sources, async sinks). */
  waitingOn(): Promise<unknown> | undefined {
    return this.operatorPending();
  }

  isOutputBlocked(): boolean {
    for (const w of this.writers) if (w.isBlocked()) return true;
    return false;
  }

  protected flushWriters(partial: boolean): boolean {
    let moved = false;
    for (const w of this.writers) if (w.flush(partial)) moved = true;
    return moved;
  }

  protected operatorPending(): Promise<void> | undefined {
    for (const h of this.hosts) {
      const p = h.pending;
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** Sends a watermark status to every downstream channel (status bypasses operators). */
  emitStatus(idle: boolean): void {
    for (const w of this.writers) w.emitControl({ kind: "watermark-status", idle });
  }

  /** All input has ended: end the chain in order, then tell downstream. */
  protected finishChain(): void {
    for (const h of this.hosts) h.endInput();
    for (const w of this.writers) w.emitControl({ kind: "end-of-data" });
    this.flushWriters(true);
    this.status = "FINISHED";
  }

  /** Whether everything this task wrote has been handed to its channels. */
  isDrained(): boolean {
    for (const w of this.writers) if (w.hasBuffered()) return false;
    return true;
  }
}

/** A task whose head reads from input channels. */
export class StreamTask extends Task {
  constructor(
    info: TaskInfo,
    hosts: readonly OperatorHost<any, any>[],
    writers: readonly RecordWriter[],
    metrics: TaskMetrics,
    readonly gate: InputGate,
    readonly valve: StatusWatermarkValve,
    /** The head operator (or, for a chain starting with a writer-only node, the first target). */
    private readonly head: RecordTarget,
  ) {
    super(info, hosts, writers, metrics);
  }

  protected doStep(): boolean {
    const next = this.gate.poll();
    if (next === undefined) return this.flushWriters(true);
    const { item, channel } = next;
    const batch = item as { values?: unknown[]; timestamps?: number[] };
    if (batch.values !== undefined) {
      const values = batch.values;
      const timestamps = batch.timestamps!;
      const input = channel.input;
      const head = this.head;
      const n = values.length;
      this.metrics.recordsIn += n;
      for (let i = 0; i < n; i++) head.processElement(values[i], timestamps[i]!, input);
      return true;
    }
    const control = item as Exclude<typeof item, { values: unknown[] }>;
    switch (control.kind) {
      case "watermark":
        this.valve.inputWatermark(control.timestamp, channel.consumerIndex);
        break;
      case "watermark-status":
        this.valve.inputWatermarkStatus(control.idle, channel.consumerIndex);
        break;
      case "end-of-data":
        if (this.gate.markEnded(channel)) this.finishChain();
        break;
      case "barrier":
        break;
    }
    return true;
  }

  /** Called by the valve when the combined input watermark advances. */
  onInputWatermark(watermark: number): void {
    this.metrics.currentInputWatermark = watermark;
    this.head.processWatermark(watermark);
  }
}

/** A task whose head is a source reader. */
export class SourceTask<T> extends Task {
  private available = true;
  private availability: Promise<unknown> | undefined;
  private ended = false;

  constructor(
    info: TaskInfo,
    hosts: readonly OperatorHost<any, any>[],
    writers: readonly RecordWriter[],
    metrics: TaskMetrics,
    readonly reader: SourceReader<T, any>,
    readonly output: SourceOutput<T>,
    private readonly batchSize: number,
  ) {
    super(info, hosts, writers, metrics);
  }

  override waitingOn(): Promise<unknown> | undefined {
    return this.operatorPending() ?? (this.available ? undefined : this.availability);
  }

  protected doStep(): boolean {
    if (!this.available) return this.flushWriters(true);
    const output = this.output;
    const before = output.recordsOut;
    const budget = this.batchSize;
    let status: ReturnType<SourceReader<T>["pollNext"]>;
    let polls = 0;
    do {
      status = this.reader.pollNext(output);
      polls++;
    } while (status === "MORE_AVAILABLE" && output.recordsOut - before < budget && polls < budget && !this.isOutputBlocked());
    const emitted = output.recordsOut - before;
    this.metrics.recordsOut += emitted;
    if (status === "END_OF_INPUT") {
      this.ended = true;
      output.emitWatermark(MAX_WATERMARK);
      this.finishChain();
      return true;
    }
    if (status === "NOTHING_AVAILABLE") {
      this.available = false;
      const promise = this.reader.isAvailable().then(() => {
        if (this.availability === promise) this.available = true;
      });
      this.availability = promise;
      const moved = this.flushWriters(true);
      return emitted > 0 || moved;
    }
    return true;
  }

  /** Whether the reader reported the end of its input. */
  get isEnded(): boolean {
    return this.ended;
  }
}
