import { describe, expect, it } from "vitest";
import { StreamExecutionEnvironment } from "../api/environment.ts";
import { WatermarkStrategy } from "../time/watermark-strategy.ts";
import { CollectionSource, type CollectionSplit } from "../connectors/collection-source.ts";
import type { ReaderOutput, Source, SourceReader, SourceReaderContext, SplitEnumeratorContext } from "../connectors/source.ts";
import { vertexCounters } from "./job-metrics.ts";

/** Reads numbers, drops the odd ones as "errors" and counts them in `numRecordsInErrors`. */
class DroppingSource implements Source<number, CollectionSplit, CollectionSplit[]> {
  readonly boundedness = "BOUNDED" as const;
  readonly name = "Dropping Source";
  private readonly inner: CollectionSource<number>;

  constructor(items: readonly number[]) {
    this.inner = new CollectionSource(items, { splits: 2 });
  }

  createEnumerator(context: SplitEnumeratorContext<CollectionSplit>, restored: CollectionSplit[] | undefined) {
    return this.inner.createEnumerator(context, restored);
  }

  createReader(context: SourceReaderContext): SourceReader<number, CollectionSplit> {
    const reader = this.inner.createReader();
    let dropped = 0;
    return {
      start: () => reader.start(),
      pollNext: (output: ReaderOutput<number>) =>
        reader.pollNext({
          collect: (v, ts) => (v % 2 === 1 ? void dropped++ : output.collect(v, ts)),
          collectSide: (tag, v, ts) => output.collectSide(tag, v, ts),
          markIdle: () => output.markIdle(),
        }),
      isAvailable: () => reader.isAvailable(),
      addSplits: (splits) => reader.addSplits(splits),
      notifyNoMoreSplits: () => reader.notifyNoMoreSplits(),
      snapshotState: (id) => reader.snapshotState(id),
      metrics: () => ({ numRecordsInErrors: dropped, [`subtask${context.subtaskIndex}.polls`]: 1 }),
    };
  }
}

describe("regression #13.16: a source reader's own counters reach the job's metrics", () => {
  it("per subtask (SourceReader.metrics) and summed per vertex (vertexCounters); other vertices have none", async () => {
    const items = Array.from({ length: 1_001 }, (_, i) => i * 3);
    const odd = items.filter((v) => v % 2 === 1).length;
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const out: number[] = [];
    env.fromSource(new DroppingSource(items), WatermarkStrategy.noWatermarks(), "numbers").map((v) => v + 1).rebalance().sinkTo({ createWriter: () => ({ write: (v: number) => void out.push(v), flush: () => {} }) });
    const job = env.executeAsync("dropping");
    await job.getJobExecutionResult();
    expect(out.length).toBe(items.length - odd);

    const [source, ...rest] = job.metrics().vertices;
    expect(source!.subtasks.map((s) => s.counters?.[`subtask${s.subtask}.polls`])).toEqual([1, 1]);
    // Each subtask read one half of the items: its counter is its own.
    const perSubtask = source!.subtasks.map((s) => s.counters!.numRecordsInErrors!);
    expect(perSubtask.every((n) => n > 0)).toBe(true);
    expect(vertexCounters(source!)).toEqual({ numRecordsInErrors: odd, "subtask0.polls": 1, "subtask1.polls": 1 });
    expect(rest.length).toBeGreaterThan(0);
    for (const v of rest) expect(vertexCounters(v)).toEqual({});
  });
});
