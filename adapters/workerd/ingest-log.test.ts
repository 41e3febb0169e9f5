import { describe, expect, it } from "vitest";
import { IngestLog } from "./ingest-log.ts";
import { MemoryDurableStorage } from "./testing/memory-durable-storage.ts";

const records = (from: number, n: number): { n: number }[] => Array.from({ length: n }, (_, i) => ({ n: from + i }));

describe("an ingest partition's log", () => {
  it("takes an append once per idempotency key, also after the object restarts", async () => {
    const storage = new MemoryDurableStorage();
    const log = new IngestLog(storage);
    expect(await log.append(records(0, 3), "a", 100)).toEqual({ status: "appended", records: 3, duplicate: false });
    expect(await log.append(records(0, 3), "a", 100)).toEqual({ status: "appended", records: 3, duplicate: true });
    // A new object on the same storage (eviction, a restart) still knows the key.
    const again = new IngestLog(storage);
    expect((await again.append(records(0, 3), "a", 100)).status === "appended" && (await again.append(records(0, 3), "a", 100))).toMatchObject({ duplicate: true });
    expect(await again.append(records(3, 2), "b", 100)).toMatchObject({ duplicate: false });
    const read = await again.read({ seq: 0, index: 0 }, 100, 0);
    expect(read.entries.flatMap((e) => e.records)).toEqual(records(0, 5));
  });

  it("refuses appends while more than maxBacklog records wait unread, and takes them once they are read", async () => {
    const log = new IngestLog(new MemoryDurableStorage());
    expect((await log.append(records(0, 8), undefined, 10)).status).toBe("appended");
    const refused = await log.append(records(8, 5), undefined, 10);
    expect(refused).toEqual({ status: "backpressured", retryAfterSeconds: 1, backlog: 8 });
    const read = await log.read({ seq: 0, index: 0 }, 100, 0);
    expect(read.entries.flatMap((e) => e.records)).toEqual(records(0, 8));
    expect((await log.append(records(8, 5), undefined, 10)).status).toBe("appended");
  });

  it("admits at the rate it is given, naming the rate and the wait, and a retry of an accepted key is never refused", async () => {
    let now = 0;
    const log = new IngestLog(new MemoryDurableStorage(), { now: () => now });
    await log.setAdmissionRate(10);
    // One second of the rate as a burst, then refused until the bucket refills.
    expect((await log.append(records(0, 10), "a", 1_000)).status).toBe("appended");
    expect(await log.append(records(10, 5), "b", 1_000)).toEqual({ status: "backpressured", retryAfterSeconds: 1, backlog: 10, rate: 10 });
    // The retry of an accepted post is answered as a duplicate, rate or not.
    expect(await log.append(records(0, 10), "a", 1_000)).toMatchObject({ status: "appended", duplicate: true });
    now += 500;
    expect((await log.append(records(10, 5), "b", 1_000)).status).toBe("appended");
    // Lifted: everything is taken again.
    await log.setAdmissionRate(undefined);
    expect((await log.append(records(15, 500), "c", 1_000)).status).toBe("appended");
  });

  it("reads from a checkpointed position within an entry, drops what a completed checkpoint read, and ends", async () => {
    const log = new IngestLog(new MemoryDurableStorage());
    await log.append(records(0, 4), undefined, 100);
    await log.append(records(4, 4), undefined, 100);
    // A reader restored at record 2 of entry 0 gets the entry whole and skips what it had read.
    const read = await log.read({ seq: 0, index: 2 }, 100, 0);
    expect(read.entries.map((e) => e.seq)).toEqual([0, 1]);
    await log.commit(1);
    expect((await log.read({ seq: 0, index: 0 }, 100, 0)).entries.map((e) => e.seq)).toEqual([1]);
    await log.end();
    expect((await log.read({ seq: 1, index: 0 }, 100, 0)).ended).toBe(true);
    expect(await log.append(records(8, 1), undefined, 100)).toEqual({ status: "ended" });
  });

  it("answers a waiting reader as soon as records are appended", async () => {
    const log = new IngestLog(new MemoryDurableStorage());
    const waiting = log.read({ seq: 0, index: 0 }, 100, 60_000);
    await log.append(records(0, 2), undefined, 100);
    expect((await waiting).entries.flatMap((e) => e.records)).toEqual(records(0, 2));
  });
});
