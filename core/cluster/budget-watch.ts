/**
 * CPU budgets for user code on worker TaskManagers. A worker that runs a call into user code
 * writes what it runs, when it started and its budget into a small SharedArrayBuffer; its
 * supervisor (in the JobManager's isolate, whose event loop stays free) reads it on a timer and
 * stops the worker when a call runs past its budget. A busy loop cannot be interrupted from
 * inside, so stopping the isolate is the only sure way: Flink's task cancellation watchdog does
 * the same to a TaskManager process.
 *
 * Layout: Int32 [0] depth (0: no user code running), [1] label length, [2] budget ms;
 * Float64 [2] (byte 16) start, ms since epoch; bytes 32.. the label as UTF-8.
 */
import type { UserCodeWatch } from "../runtime/user-code-watch.ts";

/** Size of a watch cell, bytes. */
export const WATCH_CELL_BYTES = 512;
const LABEL_OFFSET = 32;
const LABEL_BYTES = WATCH_CELL_BYTES - LABEL_OFFSET;

interface Frame {
  readonly what: string;
  readonly budgetMs: number;
  readonly startedAt: number;
}

/** A call that ran past its budget, as the supervisor reads it. */
export interface Overrun {
  readonly what: string;
  readonly budgetMs: number;
  readonly elapsedMs: number;
}

/** The worker's side: one per TaskManager (one thread, so calls nest but never interleave). */
export class WatchCell {
  private readonly ints: Int32Array;
  private readonly start: Float64Array;
  private readonly label: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly stack: Frame[] = [];

  constructor(buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, 4);
    this.start = new Float64Array(buffer, 16, 1);
    this.label = new Uint8Array(buffer, LABEL_OFFSET, LABEL_BYTES);
  }

  /** A watch whose calls have `budgetMs` each. */
  watch(budgetMs: number): UserCodeWatch {
    return {
      enter: (what) => this.enter({ what, budgetMs, startedAt: Date.now() }),
      exit: () => this.exit(),
    };
  }

  private enter(frame: Frame): void {
    this.stack.push(frame);
    this.publish(frame);
  }

  private exit(): void {
    this.stack.pop();
    const top = this.stack.at(-1);
    if (top === undefined) Atomics.store(this.ints, 0, 0);
    else this.publish(top);
  }

  private publish(frame: Frame): void {
    // Cleared first, published last: the supervisor never pairs a label with another's start.
    Atomics.store(this.ints, 0, 0);
    const { written } = this.encoder.encodeInto(frame.what, this.label);
    this.ints[1] = written;
    this.ints[2] = frame.budgetMs;
    this.start[0] = frame.startedAt;
    Atomics.store(this.ints, 0, this.stack.length);
  }
}

/** The supervisor's side: the call running past its budget in `buffer`, if one is. */
export function readOverrun(buffer: SharedArrayBuffer, now: number): Overrun | undefined {
  const ints = new Int32Array(buffer, 0, 4);
  if (Atomics.load(ints, 0) === 0) return undefined;
  const budgetMs = ints[2]!;
  const startedAt = new Float64Array(buffer, 16, 1)[0]!;
  const elapsedMs = now - startedAt;
  if (budgetMs <= 0 || elapsedMs <= budgetMs) return undefined;
  // A shared view cannot be decoded directly everywhere: copy the label out first.
  const bytes = new Uint8Array(buffer, LABEL_OFFSET, Math.min(ints[1]!, LABEL_BYTES)).slice();
  return { what: new TextDecoder().decode(bytes), budgetMs, elapsedMs };
}
