import { describe, expect, it } from "vitest";
import { type CompletedCheckpoint, MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment, encodeCheckpoint } from "../../core/index.ts";
import { DurableObjectCheckpointStorage, parseDurableLocation } from "./durable-checkpoint-storage.ts";
import { MemoryDurableStorage } from "./testing/memory-durable-storage.ts";

/** A checkpoint with `keys` keyed-state entries (about 40 bytes each once encoded). */
function checkpoint(id: number, keys: number, savepoint = false): CompletedCheckpoint {
  const groups: Record<string, string> = {};
  for (let g = 0; g < 16; g++) groups[g] = JSON.stringify(Array.from({ length: Math.ceil(keys / 16) }, (_, i) => [`key-${g}-${i}`, i * 7]));
  return {
    jobKey: "clicks-1a2b",
    checkpointId: id,
    timestamp: 1_700_000_000_000 + id,
    isSavepoint: savepoint,
    tasks: [{ vertexId: "v1", subtaskIndex: 0, operators: [{ operatorId: "op", subtaskIndex: 0, parallelism: 1, checkpointId: id, timestamp: 0, keyed: { sum: groups } as never }], alignmentMs: 0, unaligned: false }],
    enumerators: { v0: [{ splitId: "s", at: new Date(5), seen: new Set([1, 2]), big: 2n ** 70n }] },
    operatorNames: { op: "sum" },
  };
}

describe("checkpoints in Durable Object storage", () => {
  it("stores a checkpoint larger than one value in chunks and reads back what every runtime encodes", async () => {
    const kv = new MemoryDurableStorage();
    const storage = new DurableObjectCheckpointStorage(kv, "job-7");
    const cp = checkpoint(3, 20_000);
    const encoded = encodeCheckpoint(cp);
    expect(encoded.byteLength).toBeGreaterThan(3 * 120 * 1024);
    const { location, bytes } = await storage.store(cp);
    expect(location).toBe("durable-object://job-7/clicks-1a2b/chk-3");
    expect(bytes).toBe(encoded.byteLength);
    // Every stored value is within the key-value API's 128 KiB.
    for (const v of kv.data.values()) if (v instanceof Uint8Array) expect(v.byteLength).toBeLessThanOrEqual(128 * 1024);
    // The same bytes as on Node, Deno and Bun: a checkpoint moves between runtimes as it is.
    expect(await storage.read(location)).toEqual(encoded);
    const back = await storage.load(location);
    expect(back).toEqual(cp);
    expect(back.enumerators.v0).toEqual([{ splitId: "s", at: new Date(5), seen: new Set([1, 2]), big: 2n ** 70n }]);
  });

  it("lists complete checkpoints of a job in id order, never savepoints or half-written ones", async () => {
    const kv = new MemoryDurableStorage();
    const storage = new DurableObjectCheckpointStorage(kv, "job-7");
    for (const id of [10, 2, 9]) await storage.store(checkpoint(id, 10));
    await storage.store(checkpoint(11, 10, true));
    await storage.store({ ...checkpoint(4, 10), jobKey: "other" });
    // A crash between the chunks and the marker leaves chunks without a marker.
    await storage.store(checkpoint(12, 10));
    await kv.delete("checkpoint/clicks-1a2b/chk-12");
    expect(await storage.list("clicks-1a2b")).toEqual(["durable-object://job-7/clicks-1a2b/chk-2", "durable-object://job-7/clicks-1a2b/chk-9", "durable-object://job-7/clicks-1a2b/chk-10"]);
    await expect(storage.load("durable-object://job-7/clicks-1a2b/chk-12")).rejects.toMatchObject({ code: "CHECKPOINT_NOT_FOUND" });
  });

  it("discards every chunk of a checkpoint", async () => {
    const kv = new MemoryDurableStorage();
    const storage = new DurableObjectCheckpointStorage(kv, "job-7");
    const { location } = await storage.store(checkpoint(1, 20_000));
    await storage.store(checkpoint(2, 10));
    await storage.discard(location);
    expect([...kv.data.keys()].filter((k) => k.includes("chk-1/") || k.endsWith("chk-1"))).toEqual([]);
    expect(await storage.list("clicks-1a2b")).toEqual(["durable-object://job-7/clicks-1a2b/chk-2"]);
  });

  it("reads locations of other objects through readElsewhere and refuses foreign ones clearly", async () => {
    const elsewhere = new DurableObjectCheckpointStorage(new MemoryDurableStorage(), "savepoints");
    const { location } = await elsewhere.store(checkpoint(5, 100, true));
    expect(parseDurableLocation(location)).toEqual({ owner: "savepoints", jobKey: "clicks-1a2b", name: "savepoint-5" });
    const here = new DurableObjectCheckpointStorage(new MemoryDurableStorage(), "job-8", (l, text) => (l.owner === "savepoints" ? elsewhere.read(text) : Promise.reject(new Error("no such object"))));
    expect(await here.load(location)).toEqual(checkpoint(5, 100, true));
    await expect(here.load("/tmp/x/savepoint-1")).rejects.toThrow(/is not a checkpoint location of this deployment: expected durable-object:\/\//);
    await expect(new DurableObjectCheckpointStorage(new MemoryDurableStorage(), "job-9").load(location)).rejects.toMatchObject({ code: "CHECKPOINT_NOT_FOUND" });
  });

  it("imports a savepoint Node wrote and restores a job from it", async () => {
    const node = new MemoryCheckpointStorage();
    const env1 = StreamExecutionEnvironment.create({ parallelism: 2 });
    env1.enableCheckpointing(3_600_000, { storage: node, jobKey: "sums" });
    env1.setRestartStrategy(RestartStrategies.noRestart());
    const drop = { createWriter: () => ({ write: () => {}, flush: () => {} }) };
    env1.fromGenerator({ generate: (i) => i, count: 1_000_000, ratePerSecond: 20_000 }).uid("numbers").keyBy((i) => i % 3).reduce((a, b) => a + b).uid("sum").sinkTo(drop);
    const job = env1.executeAsync("sums");
    await new Promise((r) => setTimeout(r, 60));
    const savepoint = await job.stopWithSavepoint();

    const storage = new DurableObjectCheckpointStorage(new MemoryDurableStorage(), "savepoints");
    const imported = await storage.import(encodeCheckpoint(await node.load(savepoint.location)), "upload");
    expect(imported.location).toBe(`durable-object://savepoints/sums/savepoint-${savepoint.checkpointId}`);
    // The second run reads on from the restored positions with the restored sums: together the
    // runs sum every number below COUNT once.
    const COUNT = 200_000;
    const last = new Map<number, number>();
    const env2 = StreamExecutionEnvironment.create({ parallelism: 1 });
    env2.enableCheckpointing(3_600_000, { storage });
    env2.setSavepointRestore(imported.location);
    env2.fromGenerator({ generate: (i) => i, count: COUNT }).uid("numbers").keyBy((i) => i % 3).reduce((a, b) => a + b).uid("sum")
      .sinkTo({ createWriter: () => ({ write: (v: number) => void last.set(last.size, v), flush: () => {} }) });
    await env2.execute("sums");
    const expected = [0, 1, 2].map((k) => Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 3 === k).reduce((a, b) => a + b, 0));
    // Records the first run read are not read again...
    expect(last.size).toBeLessThan(COUNT);
    // ...yet the sums include them: the state came back.
    const finals = [...last.values()].slice(-3).sort((a, b) => a - b);
    expect(finals).toEqual(expected.sort((a, b) => a - b));
  });
});
