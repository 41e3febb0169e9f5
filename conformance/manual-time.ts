/**
 * Jobs stepped by hand with a ManualClock on the local TaskManager: the scenario feeds records
 * through a queue, moves the clock, and lets the job run until nothing more can happen before
 * looking at its output, so processing time is exactly what the scenario says it is.
 */
import { type InputStatus, type JobClient, ManualClock, type ReaderOutput, type Source, type SourceReader, StaticSplitEnumerator, type StreamExecutionEnvironment } from "../core/index.ts";

/** An unbounded source fed by the scenario: `push` makes records available, `end` finishes it. */
export class QueueSource<T> implements Source<T> {
  readonly boundedness = "CONTINUOUS_UNBOUNDED" as const;
  readonly name = "Queue";
  private readonly queue: T[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(...items: T[]): void {
    this.queue.push(...items);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  createEnumerator(context: Parameters<Source<T>["createEnumerator"]>[0]): StaticSplitEnumerator<{ splitId: string }> {
    return new StaticSplitEnumerator(context, [{ splitId: "queue" }]);
  }

  createReader(): SourceReader<T> {
    return {
      start: () => {},
      pollNext: (output: ReaderOutput<T>): InputStatus => {
        if (this.queue.length > 0) {
          output.collect(this.queue.shift()!);
          return "MORE_AVAILABLE";
        }
        return this.ended ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
      },
      isAvailable: () => new Promise<void>((resolve) => (this.wake = resolve)),
      addSplits: () => {},
      notifyNoMoreSplits: () => {},
      snapshotState: () => [],
    };
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** A job prepared on the local TaskManager, stepped by hand. */
export class SteppedJob {
  private constructor(readonly job: JobClient, readonly clock: ManualClock) {}

  /** Prepares the job built on `env` (created with `clock`) and opens it. */
  static async open(env: StreamExecutionEnvironment, clock: ManualClock, name: string): Promise<SteppedJob> {
    const job = env.prepare(name);
    await job.executor.open();
    const stepped = new SteppedJob(job, clock);
    await stepped.settle();
    return stepped;
  }

  /** Runs the job until nothing can happen without more input or time. */
  async settle(): Promise<void> {
    // A turn of the event loop lets the sources' availability promises resolve.
    do await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.job.executor.runUntilIdle() > 0);
  }

  /** Moves the clock to `time` and runs what became due. */
  async advanceTo(time: number): Promise<void> {
    this.clock.advanceTo(time);
    await this.settle();
  }

  /** Stops the job (its sources never end by themselves). */
  cancel(): void {
    this.job.executor.cancel();
  }
}

/** A sink writing into `into`. */
export function arraySink<T>(into: T[]): { createWriter(): { write(value: T): void; flush(): void } } {
  return { createWriter: () => ({ write: (value: T) => void into.push(value), flush: () => {} }) };
}
