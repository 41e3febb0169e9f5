import { describe, expect, it } from "vitest";
import type { ReaderOutput, SourceReader, SourceReaderContext } from "../../core/connectors/source.ts";
import type { AppendOutcome, IngestLogRpc, LogEntry, LogPosition, ReadResult } from "./ingest-protocol.ts";
import { IngestSource, type IngestSplit } from "./ingest-source.ts";

/** A partition's log in memory: entries of `sizes` records, numbered from 0, then ended. */
function memoryLog(sizes: readonly number[]): IngestLogRpc {
  const entries: LogEntry[] = [];
  let next = 0;
  for (const [seq, size] of sizes.entries()) entries.push({ seq, records: Array.from({ length: size }, () => next++) });
  return {
    append: async (): Promise<AppendOutcome> => ({ status: "ended" }),
    read: async (from: LogPosition): Promise<ReadResult> => ({ entries: entries.filter((e) => e.seq >= from.seq), ended: true }),
    commit: async () => {},
    end: async () => {},
    setAdmissionRate: async () => {},
  };
}

function readerOn(log: IngestLogRpc, split: IngestSplit): SourceReader<number, IngestSplit> {
  const source = new IngestSource<number>({ name: "in" });
  source.bindEdge({ jobId: "job", ingestLog: () => log });
  const reader = source.createReader({ subtaskIndex: 0, parallelism: 1 } as SourceReaderContext);
  reader.addSplits([split]);
  reader.notifyNoMoreSplits();
  return reader;
}

/** Polls with `limit` until the reader ends or `stopAfter` records were read; every poll's records. */
async function drain(reader: SourceReader<number, IngestSplit>, limit: number | undefined, stopAfter = Infinity): Promise<number[][]> {
  const polls: number[][] = [];
  let read = 0;
  for (;;) {
    const got: number[] = [];
    const status = reader.pollNext({ collect: (v: number) => void got.push(v) } as unknown as ReaderOutput<number>, limit);
    if (got.length > 0) polls.push(got);
    read += got.length;
    if (status === "END_OF_INPUT" || read >= stopAfter) return polls;
    if (status === "NOTHING_AVAILABLE") await reader.isAvailable();
  }
}

describe("an ingest source's reader", () => {
  const sizes = [10, 10, 5];
  const all = Array.from({ length: 25 }, (_, i) => i);
  const start: IngestSplit = { splitId: "in-0", partition: 0, seq: 0, index: 0 };

  it("under a rate reads no more than it is asked per poll, every record once and in order", async () => {
    const polls = await drain(readerOn(memoryLog(sizes), start), 4);
    expect(Math.max(...polls.map((p) => p.length))).toBeLessThanOrEqual(4);
    expect(polls.flat()).toEqual(all);
  });

  it("a checkpoint inside a partly read post restores to the record after the last one read", async () => {
    const log = memoryLog(sizes);
    const first = readerOn(log, start);
    const before = (await drain(first, 4, 7)).flat();
    const [position] = first.snapshotState(1);
    expect(position).toMatchObject({ seq: 0, index: before.length });
    const after = (await drain(readerOn(log, position!), undefined)).flat();
    expect([...before, ...after]).toEqual(all);
  });
});
