/**
 * The split bookkeeping of readers whose splits are plain data advanced in place (the splits of a
 * {@link StaticSplitEnumerator}): they keep their own copies, snapshot copies, and wait for
 * splits or the end of them.
 */
import type { InputStatus, ReaderOutput, SourceReader, SourceSplit } from "./source.ts";
import type { StaticSplitEnumerator } from "./static-split-enumerator.ts";

/** A reader holding its splits as copies it advances; subclasses implement `pollNext`. */
export abstract class StaticSplitReader<T, S extends SourceSplit> implements SourceReader<T, S> {
  /** The splits not yet read to their end, in the order they came. */
  protected readonly splits: S[] = [];
  /** No more splits will come: once `splits` is empty, input has ended. */
  protected noMoreSplits = false;
  private waiting: (() => void) | undefined;

  start(): void {}

  abstract pollNext(output: ReaderOutput<T>, limit?: number): InputStatus;

  /** Resolves when splits come or no more will. */
  isAvailable(): Promise<void> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  addSplits(splits: S[]): void {
    // Copies: the reader advances its splits in place, and the caller may keep what it handed over.
    this.splits.push(...splits.map((s) => ({ ...s })));
    this.wakeUp();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.wakeUp();
  }

  describeSplits(): { splitId: string; state: unknown }[] {
    return this.snapshotState().map(({ splitId, ...state }) => ({ splitId, state }));
  }

  snapshotState(): S[] {
    return this.splits.map((s) => ({ ...s }));
  }

  private wakeUp(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}
