/**
 * Helpers of the Kafka tests and benchmark: a client for the test broker, writing records, and
 * reading a topic back to its end as a read_committed consumer would.
 */
import type { KafkaClient } from "./client.ts";
import { KafkajsClient } from "./kafkajs-client.ts";

/** A client of the test broker with short retries. */
export function testClient(bootstrap: readonly string[], isolation: "read_committed" | "read_uncommitted" = "read_committed"): KafkaClient {
  return new KafkajsClient({
    bootstrapServers: bootstrap,
    clientId: "eddy-test",
    isolationLevel: isolation,
    retries: 8,
    retryBackoffMs: 50,
    requestTimeoutMs: 10_000,
    connectionTimeoutMs: 3_000,
    logLevel: "nothing",
  });
}

/** Writes `values` to one partition of `topic`, in batches. */
export async function produce(bootstrap: readonly string[], topic: string, records: readonly { partition?: number; key?: string; value: string | Uint8Array; timestamp?: number }[]): Promise<void> {
  const client = testClient(bootstrap);
  const producer = client.createProducer();
  try {
    for (let i = 0; i < records.length; i += 1_000) await producer.send(records.slice(i, i + 1_000).map((r) => ({ topic, ...r })));
  } finally {
    await producer.close();
    await client.close();
  }
}

/**
 * Reads every partition of `topic` from the start up to its end offset at the time of the call
 * (read_committed: the last stable offset, so an open transaction makes this wait), returning
 * the values as text. Fails after `timeoutMs`.
 */
export async function readTopic(bootstrap: readonly string[], topic: string, options: { isolation?: "read_committed" | "read_uncommitted"; timeoutMs?: number; expectAtLeast?: number } = {}): Promise<string[]> {
  const client = testClient(bootstrap, options.isolation ?? "read_committed");
  const decoder = new TextDecoder();
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  try {
    const counts = await client.describeTopics([topic]);
    const n = counts.get(topic) ?? 0;
    const tps = Array.from({ length: n }, (_, partition) => ({ topic, partition }));
    const ends = await client.listOffsets(tps, "latest");
    const highs = await testClientEnds(bootstrap, tps);
    const values: string[] = [];
    const positions = new Map(tps.map((tp) => [tp.partition, 0]));
    for (;;) {
      // Done when every partition reached the high watermark (all transactions ended) or, if
      // fewer records are expected, the end offset seen at the start.
      const pending = tps.filter((tp) => positions.get(tp.partition)! < Math.max(ends.get(`${topic}:${tp.partition}`) ?? 0, highs.get(`${topic}:${tp.partition}`) ?? 0));
      if (pending.length === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`reading ${topic}: still at ${pending.map((tp) => `${tp.partition}@${positions.get(tp.partition)}/${highs.get(`${topic}:${tp.partition}`)}`).join(", ")} after ${options.timeoutMs ?? 15_000} ms with ${values.length} values (an open transaction holds the last stable offset back?)`);
      }
      for (const [leader, list] of await client.leaders(pending)) {
        const fetched = await client.fetch(leader, list.map((tp) => ({ ...tp, offset: positions.get(tp.partition)! })), { maxWaitMs: 100, maxBytesPerPartition: 1 << 20, maxBytes: 8 << 20 });
        for (const f of fetched) {
          for (const r of f.records) values.push(r.value === null ? "" : decoder.decode(r.value));
          positions.set(f.partition, Math.max(positions.get(f.partition)!, f.nextOffset));
        }
      }
    }
    return values;
  } finally {
    await client.close();
  }
}

async function testClientEnds(bootstrap: readonly string[], tps: { topic: string; partition: number }[]): Promise<Map<string, number>> {
  const c = testClient(bootstrap, "read_uncommitted");
  try {
    return await c.listOffsets(tps, "latest");
  } finally {
    await c.close();
  }
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How many of `records` a JSON deserializer refuses: their value is not JSON text (counted here with JSON.parse, not Eddy). */
export function countNotJson(records: readonly { readonly value: string }[]): number {
  return records.filter((r) => {
    try {
      JSON.parse(r.value);
      return false;
    } catch {
      return true;
    }
  }).length;
}
