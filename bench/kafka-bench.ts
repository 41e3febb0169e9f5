/**
 * Kafka -> map -> Kafka throughput: Eddy (KafkaSource -> map -> KafkaSink) against a
 * hand-written kafkajs consume-and-produce loop, on the same test broker in the same run,
 * at-least-once and exactly-once. Prints BenchRow JSON lines (bench/run.ts makes the table).
 * The baseline is timed from its first fetched batch (its group join is not counted); Eddy from
 * the job's start.
 */
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { StreamExecutionEnvironment, WatermarkStrategy } from "../core/index.ts";
import { KafkaDeserializers, KafkaSerializers, KafkaSink, KafkaSource } from "../adapters/kafka/index.ts";
import { startTestBroker } from "../adapters/kafka/test-broker/broker.ts";
import { produce, readTopic } from "../adapters/kafka/testing.ts";
import { type BenchRow, runtimeName } from "./harness.ts";

const EVENTS = Number((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.EDDY_KAFKA_BENCH_EVENTS ?? 100_000);
const PARTITIONS = 4;

const broker = await startTestBroker({ brokers: 1, topics: [{ name: "bench-in", partitions: PARTITIONS }] });
const bootstrap = broker.bootstrap;
const rows: BenchRow[] = [];
try {
  await produce(bootstrap, "bench-in", Array.from({ length: EVENTS }, (_, i) => ({ partition: i % PARTITIONS, key: `k${i % 100}`, value: `{"i":${i},"user":"u${i % 1000}","page":"/p/${i % 50}"}` })));
  const kafka = new Kafka({ brokers: bootstrap, clientId: "bench", logLevel: logLevel.NOTHING });

  async function baseline(exactlyOnce: boolean, out: string): Promise<number> {
    await broker.command(`create-topic ${out} ${PARTITIONS}`);
    const consumer = kafka.consumer({ groupId: `bench-${out}`, maxWaitTimeInMs: 100, readUncommitted: false, maxBytesPerPartition: 1 << 20 });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...(exactlyOnce ? { transactionalId: `bench-${out}`, idempotent: true, maxInFlightRequests: 1 } : {}) });
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic: "bench-in", fromBeginning: true });
    let seen = 0;
    let first = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    await consumer.run({
      autoCommit: !exactlyOnce,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (first === 0) first = performance.now();
        const messages = batch.messages.map((m) => ({ key: m.key, value: String(m.value).toUpperCase() }));
        if (exactlyOnce) {
          const txn = await producer.transaction();
          await txn.send({ topic: out, messages });
          await txn.sendOffsets({ consumerGroupId: `bench-${out}`, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }] });
          await txn.commit();
        } else {
          await producer.send({ topic: out, messages });
        }
        resolveOffset(batch.lastOffset());
        seen += batch.messages.length;
        if (seen >= EVENTS) resolveDone();
      },
    });
    await done;
    const elapsed = performance.now() - first;
    await consumer.disconnect();
    await producer.disconnect();
    return (EVENTS / elapsed) * 1000;
  }

  async function eddy(exactlyOnce: boolean, out: string): Promise<number> {
    await broker.command(`create-topic ${out} ${PARTITIONS}`);
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(500, { mode: exactlyOnce ? "EXACTLY_ONCE" : "AT_LEAST_ONCE" });
    const source = KafkaSource.builder().setBootstrapServers(bootstrap).setTopics("bench-in").setBounded().setDeserializer(KafkaDeserializers.record()).setProperty("log.level", "nothing").build();
    const sink = KafkaSink.builder()
      .setBootstrapServers(bootstrap)
      .setRecordSerializer({ serialize: (r: { key: Uint8Array | null; value: string }) => ({ topic: out, key: r.key, value: r.value }) })
      .setDeliveryGuarantee(exactlyOnce ? "EXACTLY_ONCE" : "AT_LEAST_ONCE")
      .setTransactionalIdPrefix(`bench-${out}`)
      .setProperty("log.level", "nothing")
      .build();
    const decoder = new TextDecoder();
    const started = performance.now();
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), "bench-in")
      .map((r) => ({ key: r.key, value: decoder.decode(r.value!).toUpperCase() }))
      .sinkTo(sink);
    await env.execute(`bench ${out}`);
    return (EVENTS / (performance.now() - started)) * 1000;
  }

  for (const exactlyOnce of [false, true]) {
    const mode = exactlyOnce ? "exactly-once" : "at-least-once";
    const base = await baseline(exactlyOnce, `base-${mode}`);
    const ours = await eddy(exactlyOnce, `eddy-${mode}`);
    const written = (await readTopic(bootstrap, `eddy-${mode}`, { timeoutMs: 60_000 })).length;
    rows.push({
      name: `kafka -> map -> kafka, ${mode}`,
      runtime: runtimeName(),
      events: EVENTS,
      eddyEventsPerSecond: Math.round(ours),
      baselineEventsPerSecond: Math.round(base),
      ratio: ours / base,
      note: `${written} records committed by Eddy; baseline: kafkajs consumer group + ${exactlyOnce ? "one transaction per fetched batch" : "producer.send per batch"}`,
    });
  }
} finally {
  await broker.close();
}
for (const r of rows) console.log(JSON.stringify(r));
const g = globalThis as { Deno?: { exit(code: number): never }; process?: { exit(code: number): never } };
if (g.Deno !== undefined) g.Deno.exit(0);
else g.process?.exit(0);
