/**
 * An enumerator for sources whose splits are known up front: splits are spread over the readers
 * round-robin when they register, then every reader is told there are no more.
 */
import type { SourceSplit, SplitEnumerator, SplitEnumeratorContext } from "./source.ts";

/** Assigns a fixed list of splits round-robin. Its checkpoint state is the splits not yet assigned. */
export class StaticSplitEnumerator<S extends SourceSplit> implements SplitEnumerator<S, S[]> {
  /** Splits not yet handed out, with the subtask each is meant for (its position modulo parallelism). */
  private readonly unassigned: { split: S; owner: number }[];

  constructor(private readonly context: SplitEnumeratorContext<S>, splits: readonly S[]) {
    this.unassigned = splits.map((split, i) => ({ split, owner: i % context.parallelism }));
  }

  start(): void {}

  addReader(subtask: number): void {
    const mine = this.unassigned.filter((u) => u.owner === subtask);
    if (mine.length > 0) {
      for (let i = this.unassigned.length - 1; i >= 0; i--) if (this.unassigned[i]!.owner === subtask) this.unassigned.splice(i, 1);
      this.context.assignSplits(new Map([[subtask, mine.map((u) => u.split)]]));
    }
    this.context.signalNoMoreSplits(subtask);
  }

  addSplitsBack(splits: S[], subtask: number): void {
    this.unassigned.push(...splits.map((split) => ({ split, owner: subtask })));
  }

  snapshotState(): S[] {
    return this.unassigned.map((u) => u.split);
  }
}
