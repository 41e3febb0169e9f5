/**
 * The Kafka scenarios, each against its own test broker: run by vitest on Node
 * (kafka.test.ts) and by adapters/kafka/run.ts on Deno and Bun.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import {
  type CheckpointStorage,
  MemoryCheckpointStorage,
  vertexCounters,
  OutputTag,
  RestartStrategies,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "../../core/index.ts";
import { crashAtCheckpoint } from "../../core/testing/crash-at-checkpoint.ts";
import { startTestBroker, type TestBroker, type TestTopic } from "./test-broker/broker.ts";
import { DeadLetter, type KafkaClientFactory, KafkaDeserializers, KafkajsClient, KafkaSerializers, KafkaSink, KafkaSource, OffsetsInitializer } from "./index.ts";
import { countNotJson, produce, readTopic, testClient, waitFor } from "./testing.ts";

/** One scenario: throws when the behaviour is wrong. */
export interface KafkaScenario {
  readonly name: string;
  run(): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function sameSorted(actual: readonly string[], expected: readonly string[], what: string): void {
  const a = [...actual].sort();
  const e = [...expected].sort();
  if (a.length === e.length && a.every((v, i) => v === e[i])) return;
  const have = new Set(a);
  const want = new Set(e);
  const missing = e.filter((v) => !have.has(v)).slice(0, 5);
  const extra = a.filter((v) => !want.has(v)).slice(0, 5);
  const counts = new Map<string, number>();
  for (const v of a) counts.set(v, (counts.get(v) ?? 0) + 1);
  const dup = [...counts].filter(([, n]) => n > 1).slice(0, 5);
  throw new Error(`${what}: ${a.length} values, expected ${e.length}; missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}, duplicated ${JSON.stringify(dup)}`);
}

async function withBroker(topics: TestTopic[], body: (broker: TestBroker) => Promise<void>, brokers = 1): Promise<void> {
  const broker = await startTestBroker({ brokers, topics });
  try {
    await body(broker);
  } finally {
    await broker.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sourceOf(broker: TestBroker) {
  return KafkaSource.builder().setBootstrapServers(broker.bootstrap).setProperty("log.level", "nothing").setProperty("retry.backoff.ms", 50).setProperty("request.timeout.ms", 3_000).setProperty("retries", 30);
}

/** Bounded read of every partition, in order per partition. */
const boundedRead: KafkaScenario = {
  name: "source: bounded read of every partition, in order per partition",
  run: () =>
    withBroker([{ name: "in", partitions: 3 }], async (broker) => {
      await produce(broker.bootstrap, "in", Array.from({ length: 900 }, (_, i) => ({ partition: i % 3, value: `${i % 3}:${i}` })));
      const env = StreamExecutionEnvironment.create({ parallelism: 2 });
      const source = sourceOf(broker).setTopics("in").setBounded().setDeserializer(KafkaDeserializers.string()).build();
      const out = await env.fromSource(source, WatermarkStrategy.noWatermarks(), "in").executeAndCollect();
      sameSorted(out, Array.from({ length: 900 }, (_, i) => `${i % 3}:${i}`), "bounded read");
      for (const p of [0, 1, 2]) {
        const seq = out.filter((v) => v.startsWith(`${p}:`)).map((v) => Number(v.split(":")[1]));
        check(seq.every((v, i) => i === 0 || v > seq[i - 1]!), `partition ${p} out of order`);
      }
    }),
};

/** maxRatePerPartition caps how fast a backlog is read, per partition, and loses nothing. */
const maxRatePerPartition: KafkaScenario = {
  name: "source: maxRatePerPartition holds a backlog's read rate to the rate per partition",
  run: () =>
    withBroker([{ name: "rated", partitions: 3 }], async (broker) => {
      const n = 1_500;
      await produce(broker.bootstrap, "rated", Array.from({ length: n }, (_, i) => ({ partition: i % 3, value: `r${i}` })));
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      const source = sourceOf(broker).setTopics("rated").setBounded().setDeserializer(KafkaDeserializers.string()).setMaxRatePerPartition(500).build();
      const started = Date.now();
      const out = await env.fromSource(source, WatermarkStrategy.noWatermarks(), "rated").executeAndCollect();
      const seconds = (Date.now() - started) / 1_000;
      sameSorted(out, Array.from({ length: n }, (_, i) => `r${i}`), "rate-limited read");
      // 3 partitions x 500/s: 1 500 records need about a second (a tenth of a second may go ahead as a burst).
      check(n / seconds <= 3 * 500 * 1.3, `read ${n} records in ${seconds.toFixed(2)} s: ${Math.round(n / seconds)}/s, over 3 x 500/s`);
    }),
};

/** Partitions added to a live topic and a new matching topic are read within two intervals; a restore keeps the discovered set. */
const discovery: KafkaScenario = {
  name: "source: discovers new partitions and new matching topics without a restart, and keeps them across a restore",
  run: () =>
    withBroker([{ name: "disc-a", partitions: 2 }], async (broker) => {
      const interval = 500;
      const storage = new MemoryCheckpointStorage();
      const seen: string[] = [];
      const job = (restoreFrom?: string) => {
        const env = StreamExecutionEnvironment.create({ parallelism: 2 });
        env.enableCheckpointing(100_000, { storage, jobKey: "discovery" });
        if (restoreFrom !== undefined) env.setSavepointRestore(restoreFrom);
        const source = sourceOf(broker).setTopicPattern(/disc-.*/).setGroupId("disc").setStartingOffsets(OffsetsInitializer.earliest()).setDeserializer(KafkaDeserializers.string()).setProperty("partition.discovery.interval.ms", interval).build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "disc").sinkTo({ createWriter: () => ({ write: (v: string) => void seen.push(v), flush: () => {} }) });
        return { client: env.executeAsync("discovery"), source };
      };
      await produce(broker.bootstrap, "disc-a", [{ partition: 0, value: "a0-first" }, { partition: 1, value: "a1-first" }]);
      const first = job();
      await waitFor(() => seen.length >= 2, 10_000, "the first records");
      await broker.command("add-partitions disc-a 4");
      await broker.command("create-topic disc-b 1");
      await produce(broker.bootstrap, "disc-a", [{ partition: 2, value: "a2-first" }, { partition: 3, value: "a3-first" }]);
      await produce(broker.bootstrap, "disc-b", [{ partition: 0, value: "b0-first" }]);
      const t = Date.now();
      await waitFor(() => seen.length >= 5, 2 * interval + 1_500, "records of the new partitions and topic");
      const took = Date.now() - t;
      sameSorted(seen, ["a0-first", "a1-first", "a2-first", "a3-first", "b0-first"], "after discovery");
      check(took <= 2 * interval + 1_500, `discovery took ${took} ms`);
      const state = first.source.metrics().discovery!;
      sameSorted(state.discoveredPartitions, ["disc-a:0", "disc-a:1", "disc-a:2", "disc-a:3", "disc-b:0"], "discovered partitions");
      const savepoint = await first.client.triggerSavepoint();
      await first.client.cancel();
      await first.client.getJobExecutionResult().catch(() => undefined);
      // While the job is down: one more partition; then restore.
      await broker.command("add-partitions disc-b 2");
      await produce(broker.bootstrap, "disc-b", [{ partition: 1, value: "b1-first" }, { partition: 0, value: "b0-second" }]);
      const second = job(savepoint.location);
      await waitFor(() => seen.length >= 7, 2 * interval + 3_000, "records after the restore");
      await sleep(interval);
      sameSorted(seen, ["a0-first", "a1-first", "a2-first", "a3-first", "b0-first", "b0-second", "b1-first"], "after the restore (nothing read twice)");
      sameSorted(second.source.metrics().discovery!.discoveredPartitions, ["disc-a:0", "disc-a:1", "disc-a:2", "disc-a:3", "disc-b:0", "disc-b:1"], "discovered after the restore");
      await second.client.cancel();
      await second.client.getJobExecutionResult().catch(() => undefined);
    }),
};

/** Poison records under each policy; dead letters leave through a side output of the source stream. */
const poison: KafkaScenario = {
  name: "source: a poison record fails the job, is skipped and counted, or goes to the dead-letter side output",
  run: () =>
    withBroker([{ name: "json", partitions: 1 }], async (broker) => {
      await produce(broker.bootstrap, "json", [
        { value: '{"n":1}', timestamp: 1_000 },
        { value: "not json", timestamp: 2_000 },
        { value: new Uint8Array([0xff, 0xfe]), timestamp: 3_000 },
        { value: '{"n":2}', timestamp: 4_000 },
      ]);
      const builder = () => sourceOf(broker).setTopics("json").setBounded().setDeserializer(KafkaDeserializers.json<{ n: number }>());
      const collect = <V>(into: V[]) => ({ createWriter: () => ({ write: (v: V) => void into.push(v), flush: () => {} }) });

      const failing = StreamExecutionEnvironment.create();
      let error = "";
      await failing.fromSource(builder().setDeserializationFailurePolicy("FAIL").build(), WatermarkStrategy.noWatermarks(), "json").executeAndCollect().catch((e: Error) => (error = e.message));
      check(/cannot deserialize the record at json:0@1/.test(error), `FAIL: expected a deserialization error naming json:0@1, got "${error}"`);

      const skipping = builder().setDeserializationFailurePolicy("SKIP").build();
      const skipped = await StreamExecutionEnvironment.create().fromSource(skipping, WatermarkStrategy.noWatermarks(), "json").executeAndCollect();
      sameSorted(skipped.map((v) => JSON.stringify(v)), ['{"n":1}', '{"n":2}'], "SKIP");
      check(skipping.metrics().deserializationFailures === 2, `SKIP: counted ${skipping.metrics().deserializationFailures} failures, expected 2`);
      check(skipping.metrics().deadLetters === 0, `SKIP: counted ${skipping.metrics().deadLetters} dead letters, expected 0`);

      // DEAD_LETTER: the main stream stays DataStream<{ n: number }> (no filtering step), and the
      // rejected records come out of getSideOutput(tag) with their offset, error and Kafka
      // timestamp, outside timestamp assignment: the assigner below would throw on a DeadLetter.
      const env = StreamExecutionEnvironment.create();
      const deadLetters = new OutputTag<DeadLetter>("dead-letters");
      const dlq = builder().setDeserializationFailurePolicy("DEAD_LETTER", deadLetters).build();
      const assigned: unknown[] = [];
      const strategy = WatermarkStrategy.forMonotonousTimestamps<{ n: number }>().withTimestampAssigner((v) => {
        assigned.push(v);
        if (typeof v.n !== "number") throw new Error(`the timestamp assigner saw ${JSON.stringify(v)}`);
        return v.n * 1_000;
      });
      const main = env.fromSource(dlq, strategy, "json");
      const good: { n: number }[] = [];
      const dead: DeadLetter[] = [];
      main.map((v) => ({ n: v.n * 10 })).sinkTo(collect(good));
      main.getSideOutput(deadLetters).sinkTo(collect(dead));
      await env.execute("dead letters");
      sameSorted(good.map((v) => JSON.stringify(v)), ['{"n":10}', '{"n":20}'], "DEAD_LETTER main output");
      check(assigned.length === 2, `DEAD_LETTER: the timestamp assigner saw ${assigned.length} records, expected the 2 good ones`);
      check(dead.every((d) => d instanceof DeadLetter), "DEAD_LETTER: the side output holds DeadLetter objects");
      sameSorted(dead.map((d) => `${d.record.topic}:${d.record.partition}@${d.record.offset} ts=${d.record.timestamp}`), ["json:0@1 ts=2000", "json:0@2 ts=3000"], "DEAD_LETTER side output");
      check(dead.every((d) => d.error !== ""), "DEAD_LETTER: every dead letter says why it was rejected");
      const m = dlq.metrics();
      check(m.deadLetters === 2 && m.deserializationFailures === 2, `DEAD_LETTER: counted ${m.deadLetters} dead letters and ${m.deserializationFailures} failures, expected 2 and 2`);

      // A DEAD_LETTER policy without a place for the dead letters is refused when built.
      let refused = "";
      try {
        (builder() as unknown as { setDeserializationFailurePolicy(p: string): unknown }).setDeserializationFailurePolicy("DEAD_LETTER");
      } catch (e) {
        refused = (e as Error).message;
      }
      check(/DEAD_LETTER policy needs the side output/.test(refused), `DEAD_LETTER without a tag: expected a clear error, got "${refused}"`);
    }),
};

/**
 * Records the deserializer rejects are counted in the job's metrics, per reader and summed per
 * source vertex: Flink's numRecordsInErrors, and the dead letters among them.
 */
const rejectedInMetrics: KafkaScenario = {
  name: "regression #13.16: records skipped or dead-lettered show in the job's metrics (numRecordsInErrors of the source vertex)",
  run: () =>
    withBroker([{ name: "mixed", partitions: 2 }], async (broker) => {
      const sent = Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: i % 7 === 3 ? `{"n":${i}` : i % 11 === 5 ? "" : JSON.stringify({ n: i }) }));
      await produce(broker.bootstrap, "mixed", sent);
      const rejected = countNotJson(sent);
      check(rejected > 2 && rejected < sent.length, `the input has ${rejected} bad records of ${sent.length}`);
      for (const policy of ["SKIP", "DEAD_LETTER"] as const) {
        const env = StreamExecutionEnvironment.create({ parallelism: 2 });
        const tag = new OutputTag<DeadLetter>("dead");
        const builder = sourceOf(broker).setTopics("mixed").setBounded().setDeserializer(KafkaDeserializers.json<{ n: number }>());
        const source = policy === "SKIP" ? builder.setDeserializationFailurePolicy("SKIP").build() : builder.setDeserializationFailurePolicy("DEAD_LETTER", tag).build();
        const good: unknown[] = [];
        const main = env.fromSource(source, WatermarkStrategy.noWatermarks(), "mixed");
        main.sinkTo({ createWriter: () => ({ write: (v: unknown) => void good.push(v), flush: () => {} }) });
        if (policy === "DEAD_LETTER") main.getSideOutput(tag).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
        const job = env.executeAsync(`rejected ${policy}`);
        await job.getJobExecutionResult();
        check(good.length === sent.length - rejected, `${policy}: ${good.length} good records, expected ${sent.length - rejected}`);
        const vertex = job.metrics().vertices[0]!;
        const counters = vertexCounters(vertex);
        check(counters.numRecordsInErrors === rejected, `${policy}: numRecordsInErrors of the source vertex is ${counters.numRecordsInErrors}, expected ${rejected}`);
        const deadLetters = policy === "DEAD_LETTER" ? rejected : 0;
        check(counters["KafkaSourceReader.deadLetters"] === deadLetters, `${policy}: KafkaSourceReader.deadLetters is ${counters["KafkaSourceReader.deadLetters"]}, expected ${deadLetters}`);
        // Both readers had a partition with bad records: each counts its own.
        const perSubtask = vertex.subtasks.map((t) => t.counters?.numRecordsInErrors ?? 0);
        check(perSubtask.length === 2 && perSubtask.every((n) => n > 0), `${policy}: per-subtask numRecordsInErrors ${JSON.stringify(perSubtask)}`);
      }
    }),
};

/** A broker that accepts connections and never answers: source and sink fail naming it and the time waited. */
const silentBroker: KafkaScenario = {
  name: "regression #13.16: a broker that accepts connections but never answers fails the job naming it and the time waited",
  async run() {
    const sockets: { destroy(): void }[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const requestTimeoutMs = 300;
    const settings = <B extends { setProperty(name: string, value: number | string): B }>(b: B): B =>
      b.setProperty("retries", 1).setProperty("retry.backoff.ms", 50).setProperty("request.timeout.ms", requestTimeoutMs).setProperty("socket.connection.setup.timeout.ms", 200).setProperty("log.level", "nothing");
    const timeoutIn = (error: string, what: string): number => {
      const m = new RegExp(`Kafka broker ${address.replace(/\./g, "\\.")} accepted the connection but did not answer within (\\d+) ms \\(request\\.timeout\\.ms is ${requestTimeoutMs}\\)`).exec(error);
      check(m !== null, `${what}: expected a timeout naming ${address} and the time waited, got "${error}"`);
      return Number(m[1]);
    };
    try {
      const env = StreamExecutionEnvironment.create();
      const source = settings(KafkaSource.builder().setBootstrapServers(address).setTopics("never")).build();
      const started = Date.now();
      let error = "";
      await env.fromSource(source, WatermarkStrategy.noWatermarks(), "never").executeAndCollect().catch((e: Error) => (error = e.message));
      const elapsed = Date.now() - started;
      check(error.includes(`could not list the partitions of topics [never] from ${address}: `), `source: expected the enumerator's error naming the topic, got "${error}"`);
      const waited = timeoutIn(error, "source");
      // The configured timeout, not kafkajs' default of 30 s; and no more than the job took.
      check(waited >= requestTimeoutMs && waited < 30_000 && waited <= elapsed, `source: waited ${waited} ms (job failed after ${elapsed} ms, timeout ${requestTimeoutMs} ms)`);
      check(sockets.length > 0, "the broker never saw a connection");

      const sinkEnv = StreamExecutionEnvironment.create();
      sinkEnv.setRestartStrategy(RestartStrategies.noRestart());
      sinkEnv.fromElements("a").sinkTo(settings(KafkaSink.builder().setBootstrapServers(address).setRecordSerializer(KafkaSerializers.string({ topic: "never" }))).build());
      let sinkError = "";
      await sinkEnv.execute("silent sink").catch((e: Error) => (sinkError = e.message));
      check(/Kafka sink "[^"]+": a write failed: /.test(sinkError), `sink: expected a write error, got "${sinkError}"`);
      timeoutIn(sinkError, "sink");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  },
};

/** (transactional id, producer id, epoch) is enough to commit from another client. */
const endTxnFromNewClient: KafkaScenario = {
  name: "sink: a pre-committed transaction is committed by a new client from (transactional id, producer id, epoch)",
  run: () =>
    withBroker([{ name: "txn-out", partitions: 2 }], async (broker) => {
      const writer = testClient(broker.bootstrap);
      const producer = writer.createTransactionalProducer("eddy-test-tx-0", 60_000);
      const identity = await producer.init();
      producer.begin();
      await producer.send([0, 1, 2, 3].map((i) => ({ topic: "txn-out", partition: i % 2, value: `v${i}` })));
      // The writer goes away without committing (a crash after the pre-commit).
      await writer.close();
      let early = "";
      await readTopic(broker.bootstrap, "txn-out", { timeoutMs: 600 }).catch((e: Error) => (early = e.message));
      check(/open transaction/.test(early), `an open transaction must hold read_committed consumers back, got "${early}"`);
      const other = testClient(broker.bootstrap);
      await other.endTransaction(identity, true);
      await other.endTransaction(identity, true); // idempotent
      await other.close();
      sameSorted(await readTopic(broker.bootstrap, "txn-out"), ["v0", "v1", "v2", "v3"], "committed by the new client");
    }),
};

/** The timeout check, against the interval the job's checkpointing was enabled with. */
const timeoutCheck: KafkaScenario = {
  name: "sink: exactly-once refuses to start when transaction.timeout.ms is not well above the checkpoint interval",
  async run() {
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(1_500);
    env.setRestartStrategy(RestartStrategies.noRestart());
    const sink = KafkaSink.builder()
      .setBootstrapServers("127.0.0.1:1")
      .setRecordSerializer(KafkaSerializers.string({ topic: "x" }))
      .setDeliveryGuarantee("EXACTLY_ONCE")
      .setTransactionalIdPrefix("t")
      .setProperty("transaction.timeout.ms", 4_000)
      .setProperty("log.level", "nothing")
      .build();
    env.fromElements("a").sinkTo(sink);
    let error = "";
    const started = Date.now();
    await env.execute().catch((e: Error) => (error = e.message));
    check(/transaction\.timeout\.ms \(4000\) must be at least 3x the checkpoint interval \(1500 ms\)/.test(error), `expected the timeout check naming 4000 and 1500 ms, got "${error}"`);
    // Refused before any connection attempt (the bootstrap address is unreachable).
    check(Date.now() - started < 2_000, `the refusal took ${Date.now() - started} ms`);
  },
};

/** A kafkajs client factory that knows which clients are still open. */
function trackedClients(): { factory: KafkaClientFactory; created(): number; open(): string[] } {
  let created = 0;
  const open = new Set<string>();
  const factory: KafkaClientFactory = (config) => {
    const client = new KafkajsClient(config);
    const id = `${config.clientId}#${++created}`;
    open.add(id);
    const close = client.close.bind(client);
    client.close = async () => {
      open.delete(id);
      await close();
    };
    return client;
  };
  return { factory, created: () => created, open: () => [...open].sort() };
}

/**
 * TCP connections in state ESTABLISHED to the broker's ports, from the kernel's table (Linux);
 * undefined where there is no /proc.
 */
function establishedTo(bootstrap: readonly string[]): number | undefined {
  const ports = new Set(bootstrap.map((b) => Number(b.slice(b.lastIndexOf(":") + 1))));
  let n = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      return undefined;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== "01") continue;
      if (ports.has(Number.parseInt(f[2]!.split(":")[1]!, 16))) n++;
    }
  }
  return n;
}

/** Waits until no connection to the broker is open (where the kernel's table can be read). */
async function noConnections(bootstrap: readonly string[], what: string): Promise<void> {
  if (establishedTo(bootstrap) === undefined) return;
  await waitFor(() => establishedTo(bootstrap) === 0, 2_000, `${what}: the connections to the broker to close (${establishedTo(bootstrap)} open)`);
}

/**
 * Every Kafka client a job opened (enumerator, readers, at-least-once writers, transactional
 * logic through TwoPhaseCommitLogic.close) is closed when the job ends and when it is
 * cancelled; the cancelled job's open transaction is aborted, so read_committed readers are
 * not held back. (run.ts also checks that the process then exits by itself.)
 */
const releasesConnections: KafkaScenario = {
  name: "source and sink: every Kafka client is closed when a job ends and when it is cancelled",
  run: () =>
    withBroker(
      [
        { name: "rel-in", partitions: 2 },
        { name: "rel-eos", partitions: 2 },
        { name: "rel-alo", partitions: 1 },
      ],
      async (broker) => {
        await produce(broker.bootstrap, "rel-in", Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
        await noConnections(broker.bootstrap, "produce");
        const eosSink = (clients: ReturnType<typeof trackedClients>, prefix: string) =>
          KafkaSink.builder()
            .setBootstrapServers(broker.bootstrap)
            .setRecordSerializer(KafkaSerializers.string({ topic: "rel-eos" }))
            .setDeliveryGuarantee("EXACTLY_ONCE")
            .setTransactionalIdPrefix(prefix)
            .setClientFactory(clients.factory)
            .setProperty("log.level", "nothing")
            .build();

        // Job end: a bounded job with an exactly-once and an at-least-once sink.
        const ended = trackedClients();
        const env = StreamExecutionEnvironment.create({ parallelism: 2 });
        env.enableCheckpointing(100);
        const input = env.fromSource(sourceOf(broker).setTopics("rel-in").setBounded().setClientFactory(ended.factory).build(), WatermarkStrategy.noWatermarks(), "rel-in");
        input.sinkTo(eosSink(ended, "rel-ended"));
        input.sinkTo(KafkaSink.builder().setBootstrapServers(broker.bootstrap).setRecordSerializer(KafkaSerializers.string({ topic: "rel-alo" })).setClientFactory(ended.factory).setProperty("log.level", "nothing").build());
        await env.execute("ends");
        // enumerator + 2 readers + 2 transactional logics + 2 at-least-once writers
        check(ended.created() === 7, `job end: ${ended.created()} clients created, expected 7`);
        check(ended.open().length === 0, `job end: clients left open: ${ended.open().join(", ")}`);
        await noConnections(broker.bootstrap, "job end");

        // Cancel: an unbounded job, cancelled while its transactions run.
        const cancelled = trackedClients();
        const env2 = StreamExecutionEnvironment.create({ parallelism: 2 });
        env2.enableCheckpointing(100);
        const sink = eosSink(cancelled, "rel-cancelled");
        env2.fromSource(sourceOf(broker).setTopics("rel-in").setClientFactory(cancelled.factory).setProperty("partition.discovery.interval.ms", 200).build(), WatermarkStrategy.noWatermarks(), "rel-in").sinkTo(sink);
        const job = env2.executeAsync("cancelled");
        await waitFor(() => sink.metrics().transactionsCommitted >= 2 && sink.metrics().recordsWritten >= 200, 10_000, "the cancelled job's first commits");
        await job.cancel();
        await job.getJobExecutionResult().catch(() => undefined);
        check(cancelled.created() === 5, `cancel: ${cancelled.created()} clients created, expected 5`);
        check(cancelled.open().length === 0, `cancel: clients left open: ${cancelled.open().join(", ")}`);
        await noConnections(broker.bootstrap, "cancel");
        check(sink.metrics().transactionsAborted >= 2, `cancel: ${sink.metrics().transactionsAborted} transactions aborted, expected the open one of each subtask`);
        // No transaction left open: read_committed reaches the end at once. (The first job's 200
        // records, and what the cancelled job committed before the cancel.)
        const committed = await readTopic(broker.bootstrap, "rel-eos", { timeoutMs: 3_000 });
        check(committed.length >= 200 && committed.length <= 400 && new Set(committed).size === 200, `rel-eos holds ${committed.length} records (${new Set(committed).size} distinct), expected 200 to 400 over v0..v199`);
      },
    ),
};

interface Event {
  readonly key: string;
  readonly ts: number;
  readonly i: number;
}

/** The reference: counts per key and 100 ms window, as the job formats them. */
function referenceCounts(events: readonly Event[]): string[] {
  const counts = new Map<string, number>();
  for (const e of events) {
    const start = Math.floor(e.ts / 100) * 100;
    const k = `${e.key}@${start}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}=${n}`);
}

/**
 * Kafka -> keyed window -> Kafka, exactly-once, with a task failure, a broker down and up, and
 * a leader move while it runs: a read_committed consumer sees exactly the reference output.
 */
function exactlyOnce(events: number): KafkaScenario {
  return {
    name: `sink: Kafka -> keyed window -> Kafka exactly-once under a task failure, a broker down/up and a leader move (${events} events)`,
    run: () =>
      withBroker(
        [
          { name: "eos-in", partitions: 4, replicationFactor: 3 },
          { name: "eos-out", partitions: 3, replicationFactor: 3 },
        ],
        async (broker) => {
          const input: Event[] = Array.from({ length: events }, (_, i) => ({ key: `k${i % 7}`, ts: i * 2, i }));
          await produce(broker.bootstrap, "eos-in", input.map((e) => ({ partition: e.i % 4, key: e.key, value: JSON.stringify(e), timestamp: e.ts })));
          const env = StreamExecutionEnvironment.create({ parallelism: 2 });
          env.enableCheckpointing(100);
          env.setRestartStrategy(RestartStrategies.fixedDelay(3, 100));
          const source = sourceOf(broker).setTopics("eos-in").setBounded().setDeserializer(KafkaDeserializers.json<Event>()).setProperty("max.partition.fetch.bytes", 4_096).build();
          const sink = KafkaSink.builder()
            .setBootstrapServers(broker.bootstrap)
            .setRecordSerializer(KafkaSerializers.string({ topic: "eos-out", key: (s) => s.split("@")[0]! }))
            .setDeliveryGuarantee("EXACTLY_ONCE")
            .setTransactionalIdPrefix("eos-test")
            .setProperty("log.level", "nothing")
            .setProperty("retry.backoff.ms", 50)
            .setProperty("retries", 30)
            .setProperty("request.timeout.ms", 3_000)
            .build();
          let failed = 0;
          const failAt = Math.floor(events * 0.6);
          env
            .fromSource(source, WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.ts), "eos-in")
            .map((e) => {
              // Slow enough that the failures below land while the job runs.
              const until = performance.now() + 0.25;
              while (performance.now() < until);
              if (e.i === failAt && failed === 0) {
                failed++;
                throw new Error(`injected failure at event ${failAt}`);
              }
              return e;
            })
            .keyBy((e) => e.key)
            .window(TumblingEventTimeWindows.of(100))
            .process<string>((key, ctx, elements, out) => {
              let n = 0;
              for (const _ of elements) n++;
              out.collect(`${key}@${ctx.window.start}=${n}`);
            })
            .sinkTo(sink);
          const job = env.executeAsync("eos");
          const chaos = (async () => {
            await sleep(400);
            await broker.command("broker-down 2");
            await sleep(500);
            await broker.command("broker-up 2");
            await sleep(300);
            await broker.command("leader eos-out 0 3");
            await broker.command("leader eos-in 1 1");
          })();
          await job.getJobExecutionResult();
          await chaos;
          check(failed === 1, "the failure was not injected");
          const m = sink.metrics();
          check(m.transactionsCommitted >= 3, `only ${m.transactionsCommitted} transactions committed`);
          check(job.getExceptionHistory().length >= 1, "no failure recorded");
          const out = await readTopic(broker.bootstrap, "eos-out", { timeoutMs: 20_000 });
          sameSorted(out, referenceCounts(input), "read_committed output");
        },
        3,
      ),
  };
}

/**
 * Kafka -> map -> Kafka exactly-once at parallelism `from`, crashed after a checkpoint is stored
 * and before any sink heard of it, restored at parallelism `to`: the transactions that checkpoint
 * pre-committed are committed by the subtasks that took them over (regression #13.1).
 */
function rescaledTransactions(from: number, to: number): KafkaScenario {
  return {
    name: `sink: transactions pre-committed before a crash are committed after a restore at parallelism ${from} -> ${to}`,
    run: () =>
      withBroker(
        [
          { name: "resc-in", partitions: 6 },
          { name: "resc-out", partitions: 2 },
        ],
        async (broker) => {
          const events = 3_000;
          await produce(broker.bootstrap, "resc-in", Array.from({ length: events }, (_, i) => ({ partition: i % 6, value: `e${i}` })));
          const storage = new MemoryCheckpointStorage();
          const sinks: KafkaSink<string>[] = [];
          const run = (parallelism: number, checkpoints: CheckpointStorage, restore?: string) => {
            const env = StreamExecutionEnvironment.create({ parallelism });
            env.enableCheckpointing(50, { storage: checkpoints, jobKey: "rescaled" });
            env.setRestartStrategy(RestartStrategies.noRestart());
            if (restore !== undefined) env.setSavepointRestore(restore);
            const source = sourceOf(broker).setTopics("resc-in").setBounded().setDeserializer(KafkaDeserializers.string()).setProperty("max.partition.fetch.bytes", 2_048).build();
            const sink = KafkaSink.builder()
              .setBootstrapServers(broker.bootstrap)
              .setRecordSerializer(KafkaSerializers.string({ topic: "resc-out" }))
              .setDeliveryGuarantee("EXACTLY_ONCE")
              .setTransactionalIdPrefix("resc")
              .setProperty("log.level", "nothing")
              .setProperty("retry.backoff.ms", 50)
              .setProperty("request.timeout.ms", 3_000)
              .build();
            sinks.push(sink);
            env
              .fromSource(source, WatermarkStrategy.noWatermarks(), "resc-in")
              .map((v) => {
                // Slow enough for several checkpoints to happen while it runs.
                const until = performance.now() + 0.2;
                while (performance.now() < until);
                return `${v}!`;
              })
              .sinkTo(sink);
            return env.executeAsync("rescaled");
          };
          let first: ReturnType<typeof run> | undefined;
          const crashing = crashAtCheckpoint(storage, { checkpointId: 2, stored: true, when: () => sinks[0]!.metrics().recordsWritten > 0 }, () => void first!.cancel());
          first = run(from, crashing);
          await first.getJobExecutionResult().catch(() => undefined);
          check(crashing.crashed, "the job ended before the crash point");
          const latest = (await storage.list("rescaled")).at(-1);
          check(latest !== undefined, "no checkpoint was stored");
          const restored = await storage.load(latest);
          const pending = restored.tasks.flatMap((t) => t.operators.flatMap((o) => ((o.custom as { pending?: unknown[] } | undefined)?.pending ?? [])));
          check(pending.length > 0, "the crash left no pre-committed transaction");
          await run(to, storage, latest).getJobExecutionResult();
          const out = await readTopic(broker.bootstrap, "resc-out", { timeoutMs: 20_000 });
          sameSorted(out, Array.from({ length: events }, (_, i) => `e${i}!`), `read_committed output after ${from} -> ${to}`);
        },
      ),
  };
}

/** At-least-once: nothing lost across a failure. */
const atLeastOnce: KafkaScenario = {
  name: "sink: Kafka -> map -> Kafka at-least-once loses nothing across a task failure",
  run: () =>
    withBroker(
      [
        { name: "alo-in", partitions: 2 },
        { name: "alo-out", partitions: 2 },
      ],
      async (broker) => {
        const n = 2_000;
        await produce(broker.bootstrap, "alo-in", Array.from({ length: n }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
        const env = StreamExecutionEnvironment.create({ parallelism: 2 });
        env.enableCheckpointing(50, { mode: "AT_LEAST_ONCE" });
        env.setRestartStrategy(RestartStrategies.fixedDelay(2, 50));
        let failed = false;
        env
          .fromSource(sourceOf(broker).setTopics("alo-in").setBounded().setDeserializer(KafkaDeserializers.string()).setProperty("max.partition.fetch.bytes", 2_048).build(), WatermarkStrategy.noWatermarks(), "alo-in")
          .map((v) => {
            if (v === "v1500" && !failed) {
              failed = true;
              throw new Error("injected");
            }
            return v.toUpperCase();
          })
          .sinkTo(KafkaSink.builder().setBootstrapServers(broker.bootstrap).setRecordSerializer(KafkaSerializers.string({ topic: "alo-out" })).setDeliveryGuarantee("AT_LEAST_ONCE").setProperty("log.level", "nothing").build());
        await env.execute("alo");
        check(failed, "the failure was not injected");
        const out = new Set(await readTopic(broker.bootstrap, "alo-out"));
        const missing = Array.from({ length: n }, (_, i) => `V${i}`).filter((v) => !out.has(v));
        check(missing.length === 0, `at-least-once lost ${missing.length} records, e.g. ${missing.slice(0, 3).join(", ")}`);
      },
    ),
};

/** Every scenario, in the order they run. */
/** An open, idle connection arms no timers: no wake-up every millisecond, no negative timeouts. */
const idleConnections: KafkaScenario = {
  name: "client: idle connections arm no timers",
  run: () =>
    withBroker(
      [{ name: "idle", partitions: 2 }],
      async (broker) => {
        const client = testClient(broker.bootstrap);
        try {
          // Connections to the bootstrap broker and to both partition leaders.
          await client.describeTopics(["idle"]);
          await client.listOffsets([{ topic: "idle", partition: 0 }, { topic: "idle", partition: 1 }], "latest");
          const real = globalThis.setTimeout;
          let armed = 0;
          let negative = 0;
          globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
            armed++;
            if (typeof ms === "number" && ms < 0) negative++;
            return real(fn, ms, ...args);
          }) as typeof setTimeout;
          try {
            await new Promise((r) => real(r, 300));
          } finally {
            globalThis.setTimeout = real;
          }
          check(negative === 0 && armed <= 5, `idle for 300 ms, the client armed ${armed} timers (${negative} with a negative delay)`);
        } finally {
          await client.close();
        }
      },
      2,
    ),
};

export const kafkaScenarios: readonly KafkaScenario[] = [idleConnections, boundedRead, maxRatePerPartition, discovery, poison, rejectedInMetrics, silentBroker, endTxnFromNewClient, timeoutCheck, releasesConnections, atLeastOnce, exactlyOnce(5_000), rescaledTransactions(2, 3), rescaledTransactions(3, 1)];
