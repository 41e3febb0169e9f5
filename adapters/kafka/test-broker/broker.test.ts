import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompressionTypes,
  Kafka,
  logLevel,
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Producer,
} from "kafkajs";
import { startTestBroker, type TestBroker } from "./broker.ts";

// The first run builds the broker (about a minute); later runs hit the cache.
const BUILD_TIMEOUT = 240_000;

function client(broker: TestBroker, id: string): Kafka {
  return new Kafka({
    clientId: id,
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 12 },
  });
}

/** kafkajs waits maxWaitTimeInMs (5 s by default) on idle fetchers before it
 *  can stop, so tests use a short one. */
function consumerOf(kafka: Kafka, config: Parameters<Kafka["consumer"]>[0]): Consumer {
  return kafka.consumer({ maxWaitTimeInMs: 250, ...config });
}

function producerOf(kafka: Kafka, extra: Parameters<Kafka["producer"]>[0] = {}): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...extra });
}

function values(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({ value: `${prefix}-${i}` }));
}

/** Consumes from the beginning until `until` holds, returning the values seen. */
async function consumeUntil(
  consumer: Consumer,
  topic: string,
  until: (seen: string[]) => boolean,
  timeoutMs = 15_000,
): Promise<string[]> {
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms with ${seen.length} values`)),
      timeoutMs,
    );
    void consumer.run({
      eachBatch: async ({ batch }: EachBatchPayload) => {
        for (const m of batch.messages) seen.push(String(m.value));
        if (until(seen)) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe("kafka test broker", () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker({ brokers: 3, topics: [{ name: "basic", partitions: 2 }] });
    kafka = client(broker, "test-broker");
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await broker?.close();
  });

  it("produces and consumes through a consumer group", async () => {
    const producer = producerOf(kafka);
    await producer.connect();
    await producer.send({ topic: "basic", messages: values(5, "p0").map((m) => ({ ...m, partition: 0 })) });
    await producer.send({ topic: "basic", messages: values(5, "p1").map((m) => ({ ...m, partition: 1 })) });
    await producer.disconnect();

    const seen = await consumeUntil(consumerOf(kafka, { groupId: "g-basic" }), "basic", (s) => s.length >= 10);
    expect(seen.sort()).toEqual([...values(5, "p0"), ...values(5, "p1")].map((m) => m.value).sort());
  });

  it("creates, grows and deletes topics with the admin client", async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: "admin-t", numPartitions: 2 }] })).toBe(true);
    // Creating it again is refused as on a real broker.
    expect(await admin.createTopics({ topics: [{ topic: "admin-t", numPartitions: 2 }] })).toBe(false);
    expect(await admin.listTopics()).toContain("admin-t");

    await admin.createPartitions({ topicPartitions: [{ topic: "admin-t", count: 5 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ["admin-t"] });
    expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
    await expect(
      admin.createPartitions({ topicPartitions: [{ topic: "admin-t", count: 3 }] }),
    ).rejects.toThrow();

    await admin.deleteTopics({ topics: ["admin-t"] });
    expect(await admin.listTopics()).not.toContain("admin-t");
    await admin.disconnect();
  });

  it("lets a running group consumer pick up partitions added to its topic", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "growing", numPartitions: 1 }] });

    let producer = producerOf(kafka);
    await producer.connect();
    await producer.send({ topic: "growing", messages: [{ value: "before", partition: 0 }] });

    const consumer = consumerOf(kafka, { groupId: "g-growing", metadataMaxAge: 500 });
    const seen: Array<[number, string]> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: "growing", fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push([partition, String(message.value)]);
      },
    });
    await waitFor(() => seen.length === 1, 10_000);

    await admin.createPartitions({ topicPartitions: [{ topic: "growing", count: 3 }] });
    // kafkajs producers drop messages for partitions missing from their
    // cached metadata, so write with a fresh one.
    await producer.disconnect();
    producer = producerOf(kafka);
    await producer.connect();
    await producer.send({
      topic: "growing",
      messages: [
        { value: "old-partition", partition: 0 },
        { value: "new-1", partition: 1 },
        { value: "new-2", partition: 2 },
      ],
    });
    // kafkajs rejoins the group when a metadata refresh shows new partitions.
    await waitFor(() => seen.length >= 4, 20_000);
    expect(seen.map(([p, v]) => `${p}:${v}`).sort()).toEqual(
      ["0:before", "0:old-partition", "1:new-1", "2:new-2"].sort(),
    );
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it("hides aborted and open transactions from read_committed consumers only", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "txn", numPartitions: 1 }] });
    await admin.disconnect();

    const producer = producerOf(kafka, { transactionalId: "tx-1", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic: "txn", messages: values(3, "aborted") });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic: "txn", messages: values(3, "committed") });
    await committed.commit();
    const open = await producer.transaction();
    await open.send({ topic: "txn", messages: values(3, "open") });

    // read_uncommitted sees everything, including the aborted and open data.
    const uncommitted = await consumeUntil(
      consumerOf(kafka, { groupId: "g-txn-ru", readUncommitted: true }),
      "txn",
      (s) => s.length >= 9,
    );
    expect(uncommitted).toEqual(
      [...values(3, "aborted"), ...values(3, "committed"), ...values(3, "open")].map((m) => m.value),
    );

    // read_committed stops at the last stable offset (the open transaction)
    // and skips the aborted records.
    const rc = consumerOf(kafka, { groupId: "g-txn-rc", readUncommitted: false });
    const seen: string[] = [];
    await rc.connect();
    await rc.subscribe({ topic: "txn", fromBeginning: true });
    await rc.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await waitFor(() => seen.length >= 3, 10_000);
    await sleep(1_000);
    expect(seen).toEqual(values(3, "committed").map((m) => m.value));

    await open.commit();
    await waitFor(() => seen.length >= 6, 10_000);
    expect(seen).toEqual([...values(3, "committed"), ...values(3, "open")].map((m) => m.value));
    await rc.disconnect();
    await producer.disconnect();
  });

  it("aborts a crashed producer's open transaction and fences it when its transactional id is re-initialized", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "txn-crash", numPartitions: 1 }] });
    /** ListOffsets(latest) as a read_committed client sees it: the LSO. */
    const lso = async () => (await admin.fetchTopicOffsets("txn-crash"))[0].offset;

    const a = producerOf(kafka, { transactionalId: "t1", idempotent: true, maxInFlightRequests: 1 });
    await a.connect();
    const groupOffset = (offset: string) => ({
      consumerGroupId: "g-txn-crash-eos",
      topics: [{ topic: "txn-crash", partitions: [{ partition: 0, offset }] }],
    });
    const committedGroupOffset = async () =>
      (await admin.fetchOffsets({ groupId: "g-txn-crash-eos", topics: ["txn-crash"] }))[0].partitions[0].offset;
    const before = await a.transaction();
    await before.send({ topic: "txn-crash", messages: values(3, "before") });
    await before.sendOffsets(groupOffset("3"));
    await before.commit(); // offsets 0-2, commit marker 3
    const crashed = await a.transaction();
    await crashed.send({ topic: "txn-crash", messages: values(3, "crashed") }); // offsets 4-6
    await crashed.sendOffsets(groupOffset("7"));
    // A "crashes": dropped with its transaction open, never committed,
    // aborted or disconnected.

    const rc = consumerOf(kafka, { groupId: "g-txn-crash", readUncommitted: false });
    const seen: string[] = [];
    await rc.connect();
    await rc.subscribe({ topic: "txn-crash", fromBeginning: true });
    await rc.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await waitFor(() => seen.length >= 3, 5_000);
    await sleep(500);
    // Stalled at the open transaction.
    expect(seen).toEqual(values(3, "before").map((m) => m.value));
    expect(await lso()).toBe("4");

    // A new instance with the same transactional id: kafkajs sends
    // InitProducerId on its first transaction(), which aborts A's.
    const b = producerOf(kafka, { transactionalId: "t1", idempotent: true, maxInFlightRequests: 1 });
    await b.connect();
    const after = await b.transaction();
    expect(await lso()).toBe("8"); // abort marker at 7
    expect(await committedGroupOffset()).toBe("3"); // A's transactional offset dropped
    await after.send({ topic: "txn-crash", messages: values(3, "after") });
    await after.commit();

    await waitFor(() => seen.length >= 6, 5_000);
    await sleep(300);
    expect(seen).toEqual([...values(3, "before"), ...values(3, "after")].map((m) => m.value));

    // A is fenced: its old epoch is refused by Produce and EndTxn.
    await expect(crashed.send({ topic: "txn-crash", messages: values(1, "zombie") })).rejects.toThrow(
      /old epoch/,
    );
    await expect(crashed.commit()).rejects.toThrow(/old epoch/);

    await rc.disconnect();
    await Promise.all([a.disconnect(), b.disconnect(), admin.disconnect()]);
  });

  it("stores offsets sent in a transaction when it commits, not when it aborts", async () => {
    const producer = producerOf(kafka, { transactionalId: "tx-offsets", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const offsets = (offset: string) => ({
      consumerGroupId: "g-eos",
      topics: [{ topic: "basic", partitions: [{ partition: 0, offset }] }],
    });

    const t1 = await producer.transaction();
    await t1.sendOffsets(offsets("4"));
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.sendOffsets(offsets("9"));
    await t2.abort();
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const fetched = await admin.fetchOffsets({ groupId: "g-eos", topics: ["basic"] });
    await admin.disconnect();
    const p0 = fetched[0].partitions.find((p) => p.partition === 0);
    expect(p0?.offset).toBe("4");
  });

  it("assigns partitions quickly to a consumer joining an emptied group", async () => {
    const first = consumerOf(kafka, { groupId: "g-rejoin" });
    await joinAndWait(first, "basic");
    await first.disconnect(); // LeaveGroup: the group is now empty

    const second = consumerOf(kafka, { groupId: "g-rejoin" });
    const started = Date.now();
    await joinAndWait(second, "basic");
    const elapsed = Date.now() - started;
    await second.disconnect();
    // The stock mock kept the emptied group "Joining" for session.timeout - 1 s
    // (29 s with kafkajs defaults) before assigning anything.
    expect(elapsed).toBeLessThan(10_000);
  });

  it("keeps more than 100k batches and 5 MB per partition", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "big", numPartitions: 1 }] });

    const producer = producerOf(kafka);
    await producer.connect();
    // 6 MB in large batches.
    const blob = "x".repeat(512 * 1024);
    for (let i = 0; i < 12; i++) {
      await producer.send({ topic: "big", messages: [{ value: `${i}:${blob}`, partition: 0 }] });
    }
    // 110k one-record batches (each send() is its own batch), pipelined;
    // acks=0 halves kafkajs's cost, the last acknowledged send on the same
    // connection waits for all of them.
    const batches = 110_000;
    for (let i = 0; i < batches - 1; i += 2_000) {
      const sends: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(batches - 1, i + 2_000); j++) {
        sends.push(producer.send({ topic: "big", acks: 0, messages: [{ value: String(j), partition: 0 }] }));
      }
      await Promise.all(sends);
    }
    await producer.send({ topic: "big", acks: -1, messages: [{ value: "last", partition: 0 }] });
    await producer.disconnect();

    const [offsets] = await admin.fetchTopicOffsets("big");
    await admin.disconnect();
    expect(offsets.low).toBe("0"); // nothing was dropped from the head
    expect(offsets.high).toBe(String(12 + batches));

    // And all of it reads back, starting with the oldest 6 MB.
    let count = 0;
    let firstValue = "";
    const consumer = consumerOf(kafka, { groupId: "g-big", maxBytesPerPartition: 4 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic: "big", fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (count === 0) firstValue = String(batch.messages[0].value).slice(0, 2);
        count += batch.messages.length;
      },
    });
    await waitFor(() => count >= 12 + batches, 30_000);
    await consumer.disconnect();
    expect(firstValue).toBe("0:");
    expect(count).toBe(12 + batches);
  }, 60_000);
});

describe("kafka test broker stdin commands", () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker({ brokers: 3, topics: [{ name: "cmd", partitions: 1, replicationFactor: 3 }] });
    kafka = client(broker, "test-broker-cmd");
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await broker?.close();
  });

  it("creates topics and adds partitions to a live topic", async () => {
    expect(await broker.command("create-topic made-by-cmd 2")).toBe("ok create-topic made-by-cmd 2");
    const producer = producerOf(kafka);
    await producer.connect();
    await producer.send({ topic: "made-by-cmd", messages: [{ value: "a", partition: 1 }] });

    expect(await broker.command("add-partitions made-by-cmd 4")).toBe("ok add-partitions made-by-cmd 4");
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: ["made-by-cmd"] });
    expect(meta.topics[0].partitions).toHaveLength(4);
    // A fresh producer: kafkajs drops sends to partitions it has no metadata for.
    await producer.disconnect();
    const fresh = producerOf(kafka);
    await fresh.connect();
    await fresh.send({ topic: "made-by-cmd", messages: [{ value: "b", partition: 3 }] });
    await fresh.disconnect();
    // Data written before the growth is still there.
    const offsets = await admin.fetchTopicOffsets("made-by-cmd");
    expect(offsets.map((o) => `${o.partition}:${o.high}`).sort()).toEqual(["0:0", "1:1", "2:0", "3:1"]);
    await admin.disconnect();
    await expect(broker.command("add-partitions made-by-cmd 2")).rejects.toThrow(/INVALID_PARTITIONS/);
  });

  it("finds offsets by timestamp, record by record and per compressed batch", async () => {
    expect(await broker.command("create-topic by-time 1")).toBe("ok create-topic by-time 1");
    const producer = producerOf(kafka);
    await producer.connect();
    const batch = (timestamps: number[]) => timestamps.map((t) => ({ value: `at-${t}`, timestamp: String(t) }));
    // Three batches: offsets 0-2, 3-4, then a compressed one at 5-6.
    await producer.send({ topic: "by-time", messages: batch([1_000, 1_100, 1_200]) });
    await producer.send({ topic: "by-time", messages: batch([2_000, 2_100]) });
    await producer.send({ topic: "by-time", messages: batch([3_000, 3_100]), compression: CompressionTypes.GZIP });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const at = async (t: number) => Number((await admin.fetchTopicOffsetsByTimestamp("by-time", t))[0]!.offset);
    // Kafka's rule: the first offset whose record timestamp is >= t; past the last record,
    // kafkajs falls back to the end offset (7).
    const expected: [number, number][] = [[0, 0], [1_000, 0], [1_050, 1], [1_200, 2], [1_201, 3], [2_100, 4], [2_500, 5], [3_100, 5], [3_101, 7]];
    const found: [number, number][] = [];
    for (const [t] of expected) found.push([t, await at(t)]);
    expect(found).toEqual(expected);
    await admin.disconnect();
  });

  it("moves a partition leader", async () => {
    const admin = kafka.admin();
    await admin.connect();
    const leaderOf = async () =>
      (await admin.fetchTopicMetadata({ topics: ["cmd"] })).topics[0].partitions[0].leader;
    const before = await leaderOf();
    const target = before === 3 ? 2 : 3;
    expect(await broker.command(`leader cmd 0 ${target}`)).toBe(`ok leader cmd 0 ${target}`);
    expect(await leaderOf()).toBe(target);
    await admin.disconnect();

    // Clients follow the move (NOT_LEADER, metadata refresh, retry).
    const producer = producerOf(kafka);
    await producer.connect();
    await producer.send({ topic: "cmd", messages: [{ value: "after-move", partition: 0 }] });
    await producer.disconnect();
  });

  it("takes a broker down and up", async () => {
    const admin = kafka.admin();
    await admin.connect();
    const leader = (await admin.fetchTopicMetadata({ topics: ["cmd"] })).topics[0].partitions[0].leader;
    await admin.disconnect();

    const producer = producerOf(kafka, { retry: { initialRetryTime: 100, maxRetryTime: 300, retries: 50 } });
    await producer.connect();
    await broker.command(`broker-down ${leader}`);
    let settled = false;
    const sent = producer
      .send({ topic: "cmd", messages: [{ value: "while-down", partition: 0 }] })
      .finally(() => (settled = true));
    await sleep(1_500);
    expect(settled).toBe(false); // the leader is unreachable
    await broker.command(`broker-up ${leader}`);
    await sent; // and the send completes once it is back
    await producer.disconnect();
  });

  it("injects request errors", async () => {
    const producer = producerOf(kafka, { retry: { retries: 0 } });
    await producer.connect();
    expect(await broker.command("errors Produce TOPIC_AUTHORIZATION_FAILED")).toBe(
      "ok errors Produce TOPIC_AUTHORIZATION_FAILED",
    );
    await expect(
      producer.send({ topic: "cmd", messages: [{ value: "refused", partition: 0 }] }),
    ).rejects.toThrow(/authorized|TOPIC_AUTHORIZATION_FAILED/i);
    // One error was pushed, so the next request succeeds.
    await producer.send({ topic: "cmd", messages: [{ value: "accepted", partition: 0 }] });
    await producer.disconnect();
  });

  it("answers unknown commands with an error", async () => {
    await expect(broker.command("no-such-command")).rejects.toThrow(/unknown command/);
    expect(await broker.command("ping")).toBe("ok pong");
  });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function joinAndWait(consumer: Consumer, topic: string): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({ eachMessage: async () => {} });
  await joined;
}
