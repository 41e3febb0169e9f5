/**
 * An unbounded source fed by a test: `push` makes records available (and wakes a reader waiting
 * for them), `end` finishes it once they are read.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader } from "../connectors/source.ts";
import { StaticSplitEnumerator } from "../connectors/static-split-enumerator.ts";

export class QueueSource<T> implements Source<T> {
  readonly boundedness = "CONTINUOUS_UNBOUNDED" as const;
  readonly name = "queue";
  private readonly queue: T[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(...items: T[]): void {
    this.queue.push(...items);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  createEnumerator(context: Parameters<Source<T>["createEnumerator"]>[0]) {
    return new StaticSplitEnumerator(context, [{ splitId: "q" }]);
  }

  createReader(): SourceReader<T> {
    const self = this;
    return {
      start() {},
      pollNext(output: ReaderOutput<T>): InputStatus {
        const item = self.queue.shift();
        if (item !== undefined) {
          output.collect(item);
          return "MORE_AVAILABLE";
        }
        return self.ended ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
      },
      isAvailable: () => new Promise<void>((resolve) => (self.wake = resolve)),
      addSplits() {},
      notifyNoMoreSplits() {},
      snapshotState: () => [],
    };
  }
}
