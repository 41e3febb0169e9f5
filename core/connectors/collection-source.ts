/**
 * A bounded source over an in-memory array. Each split is a slice with its read position, so a
 * checkpoint records exactly where reading stopped and replay resumes there.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceSplit } from "./source.ts";
import { StaticSplitEnumerator } from "./static-split-enumerator.ts";
import { StaticSplitReader } from "./static-split-reader.ts";

/** A slice of the collection and how far it has been read. */
export interface CollectionSplit extends SourceSplit {
  readonly from: number;
  readonly to: number;
  /** Next index to read. */
  position: number;
}

/** Options of {@link CollectionSource}. */
export interface CollectionSourceOptions {
  /** Number of splits the collection is cut into (default: 1, preserving order). */
  readonly splits?: number;
}

/** Reads an array; with one split (the default) records keep their order. */
export class CollectionSource<T> implements Source<T, CollectionSplit, CollectionSplit[]> {
  readonly boundedness = "BOUNDED" as const;
  readonly name = "Collection Source";

  constructor(private readonly items: readonly T[], private readonly options: CollectionSourceOptions = {}) {}

  createEnumerator(context: Parameters<Source<T, CollectionSplit>["createEnumerator"]>[0], restored: CollectionSplit[] | undefined): StaticSplitEnumerator<CollectionSplit> {
    if (restored !== undefined) return new StaticSplitEnumerator(context, restored);
    const n = Math.max(1, Math.min(this.options.splits ?? 1, this.items.length || 1));
    const size = Math.ceil(this.items.length / n);
    const splits: CollectionSplit[] = [];
    for (let i = 0; i < n; i++) {
      const from = i * size;
      const to = Math.min(this.items.length, from + size);
      splits.push({ splitId: `collection-${i}`, from, to, position: from });
    }
    return new StaticSplitEnumerator(context, splits);
  }

  createReader(): SourceReader<T, CollectionSplit> {
    return new CollectionReader(this.items);
  }
}

class CollectionReader<T> extends StaticSplitReader<T, CollectionSplit> {
  constructor(private readonly items: readonly T[]) {
    super();
  }

  pollNext(output: ReaderOutput<T>, limit?: number): InputStatus {
    const split = this.splits[0];
    if (split === undefined) return this.noMoreSplits ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
    const end = Math.min(split.to, split.position + (limit === undefined ? 1024 : Math.min(1024, limit)));
    const items = this.items;
    for (let i = split.position; i < end; i++) output.collect(items[i]!);
    split.position = end;
    if (split.position >= split.to) this.splits.shift();
    return this.splits.length > 0 || !this.noMoreSplits ? "MORE_AVAILABLE" : "END_OF_INPUT";
  }
}
