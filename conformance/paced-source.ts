/**
 * A bounded source paced by processing time, for the real-time variants of the processing-time
 * scenarios (worker TaskManagers keep their own clocks, so no ManualClock reaches them): record
 * i is emitted once `i * stepMs` have passed since the reader started, and the source ends
 * `lingerMs` after its last record, so processing-time windows and timers due by then fire.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from "../core/index.ts";
import { StaticSplitEnumerator } from "../core/index.ts";

/** Options of {@link PacedSource}. */
export interface PacedSourceOptions {
  readonly count: number;
  readonly stepMs: number;
  readonly lingerMs: number;
}

/** Emits `{ i }` for i in 0..count-1 at its pace; parallelism 1. */
export class PacedSource implements Source<{ i: number }> {
  readonly boundedness = "BOUNDED" as const;
  readonly name = "Paced";

  constructor(private readonly options: PacedSourceOptions) {}

  createEnumerator(context: Parameters<Source<{ i: number }>["createEnumerator"]>[0]): StaticSplitEnumerator<{ splitId: string }> {
    return new StaticSplitEnumerator(context, [{ splitId: "paced" }]);
  }

  createReader(context: SourceReaderContext): SourceReader<{ i: number }> {
    const { count, stepMs, lingerMs } = this.options;
    let started: number | undefined;
    let next = 0;
    let hasSplit = false;
    let noMoreSplits = false;
    const due = (): number => (next < count ? next * stepMs : (count - 1) * stepMs + lingerMs);
    return {
      start: () => {},
      pollNext: (output: ReaderOutput<{ i: number }>): InputStatus => {
        if (!hasSplit) return noMoreSplits ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
        const now = context.currentTime();
        started ??= now;
        while (next < count && now - started >= due()) output.collect({ i: next++ });
        if (next >= count && now - started >= due()) return "END_OF_INPUT";
        return "NOTHING_AVAILABLE";
      },
      isAvailable: () => new Promise<void>((resolve) => setTimeout(resolve, started === undefined ? 0 : Math.max(0, started + due() - context.currentTime()))),
      addSplits: () => {
        hasSplit = true;
      },
      notifyNoMoreSplits: () => {
        noMoreSplits = true;
      },
      snapshotState: () => [],
    };
  }
}
