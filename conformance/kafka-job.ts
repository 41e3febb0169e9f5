/**
 * The Kafka scenario's side that needs a Kafka client (kafkajs, over TCP): its topics, its input,
 * its job (Kafka -> keyed windows -> Kafka, exactly-once) and reading its output back as a
 * read_committed consumer. Loaded only where a broker can be reached, never bundled for workerd.
 */
import { Kafka, logLevel } from "kafkajs";
import { type DataStream, type StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../core/index.ts";
import { KafkaDeserializers, KafkajsClient, KafkaSerializers, KafkaSink, KafkaSource, OffsetsInitializer } from "../adapters/kafka/index.ts";

/** One input record. */
export interface Payment {
  readonly i: number;
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}

/** Where the job reads and writes. */
export interface KafkaJobParams {
  readonly bootstrap: readonly string[];
  readonly input: string;
  readonly output: string;
  readonly transactionalIdPrefix: string;
  /** Throw once at the record with this index (on the local TaskManager). */
  readonly failAt?: number;
}

/** Settings for a broker that may be slow to answer at first (a test broker, a remote cluster). */
const patient = <B extends { setProperty(name: string, value: string | number): B }>(builder: B): B =>
  builder.setProperty("log.level", "nothing").setProperty("retry.backoff.ms", 50).setProperty("retries", 30).setProperty("request.timeout.ms", 10_000);

/** Creates the scenario's topics. */
export async function createTopics(bootstrap: readonly string[], topics: readonly { topic: string; partitions: number }[]): Promise<void> {
  const admin = new Kafka({ clientId: "eddy-conformance", brokers: [...bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Writes the payments to `topic`, keyed by their key. */
export async function produce(bootstrap: readonly string[], topic: string, payments: readonly Payment[]): Promise<void> {
  const client = new KafkajsClient({ bootstrapServers: bootstrap, clientId: "eddy-conformance", isolationLevel: "read_committed", retries: 8, retryBackoffMs: 50, requestTimeoutMs: 10_000, connectionTimeoutMs: 3_000, logLevel: "nothing" });
  const producer = client.createProducer();
  try {
    for (let i = 0; i < payments.length; i += 500) await producer.send(payments.slice(i, i + 500).map((p) => ({ topic, key: p.key, value: JSON.stringify(p), timestamp: p.ts })));
  } finally {
    await producer.close();
    await client.close();
  }
}

/** Sums per key in 100 ms event-time windows, from `input` to `output` through Kafka transactions: `<key>@<start>=<sum>`. */
export function kafkaJob(env: StreamExecutionEnvironment, params: KafkaJobParams): void {
  const source = patient(KafkaSource.builder<Payment>().setBootstrapServers([...params.bootstrap]).setTopics(params.input).setStartingOffsets(OffsetsInitializer.earliest()).setBounded().setDeserializer(KafkaDeserializers.json<Payment>())).build();
  const sink = patient(
    KafkaSink.builder<string>()
      .setBootstrapServers([...params.bootstrap])
      .setRecordSerializer(KafkaSerializers.string({ topic: params.output, key: (line) => line.split("@")[0]! }))
      .setDeliveryGuarantee("EXACTLY_ONCE")
      .setTransactionalIdPrefix(params.transactionalIdPrefix),
  ).build();
  let failed = false;
  env
    .fromSource(source, WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.ts), "payments")
    .map((p) => {
      if (p.i === params.failAt && !failed) {
        failed = true;
        throw new Error(`injected failure at record ${p.i}`);
      }
      return p;
    })
    .keyBy((p) => p.key)
    .window(TumblingEventTimeWindows.of(100))
    .reduce((a, b) => ({ ...a, v: a.v + b.v }), (key, ctx, sums, out: { collect(line: string): void }) => {
      for (const s of sums) out.collect(`${String(key)}@${ctx.window.start}=${s.v}`);
    })
    .sinkTo(sink);
}

/** Everything in `topic` a read_committed consumer sees, read by a bounded Kafka source. */
export function committedRecords(env: StreamExecutionEnvironment, params: { bootstrap: readonly string[]; topic: string }): DataStream<string> {
  const source = patient(KafkaSource.builder<string>().setBootstrapServers([...params.bootstrap]).setTopics(params.topic).setStartingOffsets(OffsetsInitializer.earliest()).setBounded().setDeserializer(KafkaDeserializers.string())).build();
  return env.fromSource(source, WatermarkStrategy.noWatermarks(), "output");
}
