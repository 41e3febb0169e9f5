/**
 * KafkaSource (Flink's, after FLIP-27): an enumerator that discovers partitions on an interval
 * and readers that fetch them, keeping offsets in checkpoint state.
 */
import type { Boundedness, OutputTag, Source, SourceReader, SourceReaderContext, SplitEnumeratorContext } from "../../core/index.ts";
import { checkArgument } from "../../core/errors.ts";
import type { KafkaClient } from "./client.ts";
import type { DeadLetter, DeserializationFailurePolicy, KafkaRecordDeserializer } from "./deserializers.ts";
import { KafkaDeserializers } from "./deserializers.ts";
import { OffsetsInitializer } from "./offsets-initializer.ts";
import { clientConfig, intProperty } from "./properties.ts";
import { KafkaClientBuilder } from "./client-builder.ts";
import { type DiscoveryState, type EnumeratorSettings, type KafkaEnumeratorState, type KafkaPartitionSplit, KafkaSourceEnumerator } from "./source-enumerator.ts";
import { KafkaSourceReader, type ReaderCounters, type ReaderSettings } from "./source-reader.ts";

/** What the source reports besides the runtime's metrics. */
export interface KafkaSourceMetrics extends ReaderCounters {
  readonly discovery: DiscoveryState | undefined;
}

/**
 * Reads Kafka topics. Build it with {@link KafkaSource.builder}.
 *
 * @example
 * const source = KafkaSource.builder<string>()
 *   .setBootstrapServers("localhost:9092")
 *   .setTopics("clicks")
 *   .setGroupId("click-counter")
 *   .setStartingOffsets(OffsetsInitializer.earliest())
 *   .setDeserializer(KafkaDeserializers.string())
 *   .setProperty("partition.discovery.interval.ms", "10000")
 *   .build();
 * env.fromSource(source, WatermarkStrategy.forBoundedOutOfOrderness(5_000), "clicks");
 */
export class KafkaSource<T> implements Source<T, KafkaPartitionSplit, KafkaEnumeratorState> {
  readonly boundedness: Boundedness;
  readonly name: string;
  private enumerator: KafkaSourceEnumerator | undefined;
  private readonly counters: ReaderCounters = { recordsRead: 0, deserializationFailures: 0, deadLetters: 0, offsetCommitFailures: 0 };

  /** @internal Use {@link KafkaSource.builder}. */
  constructor(
    private readonly enumeratorSettings: EnumeratorSettings,
    private readonly readerSettings: ReaderSettings<T>,
    private readonly newClient: (role: string) => KafkaClient,
  ) {
    this.boundedness = enumeratorSettings.bounded === undefined ? ("CONTINUOUS_UNBOUNDED" as const) : ("BOUNDED" as const);
    this.name = enumeratorSettings.name;
  }

  /** Starts building a KafkaSource. */
  static builder<T = string>(): KafkaSourceBuilder<T> {
    return new KafkaSourceBuilder<T>();
  }

  createEnumerator(context: SplitEnumeratorContext<KafkaPartitionSplit>, restored: KafkaEnumeratorState | undefined): KafkaSourceEnumerator {
    const client = this.newClient("enumerator");
    const enumerator = new KafkaSourceEnumerator(context, client, this.enumeratorSettings, restored, () => client.close());
    this.enumerator = enumerator;
    return enumerator;
  }

  createReader(context: SourceReaderContext): SourceReader<T, KafkaPartitionSplit> {
    const client = this.newClient(`reader-${context.subtaskIndex}`);
    const reader = new KafkaSourceReader<T>(context, client, this.readerSettings, this.counters);
    const close = reader.close.bind(reader);
    reader.close = async () => {
      await close();
      await client.close();
    };
    return reader;
  }

  /** Partition discovery state (of the current run) and record counters. */
  metrics(): KafkaSourceMetrics {
    return { ...this.counters, discovery: this.enumerator?.state() };
  }
}

/**
 * Builder of {@link KafkaSource}, with Flink's method names.
 *
 * Properties (`setProperty`): `partition.discovery.interval.ms` (default 30000; <= 0 turns
 * discovery off), `isolation.level`, `retries`, `retry.backoff.ms`, `request.timeout.ms`
 * (default 30000; also how long a broker may take to answer the first request on a new
 * connection), `socket.connection.setup.timeout.ms` (default 3000), `fetch.max.wait.ms`, `max.partition.fetch.bytes`, `fetch.max.bytes`,
 * `commit.offsets.on.checkpoint`, `client.id.prefix`, `log.level`.
 */
export class KafkaSourceBuilder<T> extends KafkaClientBuilder {
  constructor() {
    super("Kafka Source");
  }

  private topics: string[] | undefined;
  private pattern: RegExp | undefined;
  private groupId: string | undefined;
  private starting: OffsetsInitializer = OffsetsInitializer.earliest();
  private stopping: OffsetsInitializer | undefined;
  private deserializer: KafkaRecordDeserializer<unknown> = KafkaDeserializers.string();
  private policy: DeserializationFailurePolicy = "FAIL";
  private deadLetters: OutputTag<DeadLetter> | undefined;
  private maxRatePerPartition: number | undefined;


  /** Topics to read; partitions added to them later are discovered. */
  setTopics(...topics: (string | readonly string[])[]): this {
    this.topics = topics.flat();
    checkArgument(this.topics.length > 0 && this.topics.every((t) => typeof t === "string" && t !== ""), "[eddy] KafkaSource.setTopics needs topic names");
    this.pattern = undefined;
    return this;
  }

  /** Every topic whose whole name matches; topics created later are discovered. */
  setTopicPattern(pattern: RegExp): this {
    checkArgument(pattern instanceof RegExp, "[eddy] KafkaSource.setTopicPattern needs a RegExp");
    this.pattern = pattern;
    this.topics = undefined;
    return this;
  }

  /** The consumer group offsets are committed to (monitoring) and read from (committedOffsets). */
  setGroupId(groupId: string): this {
    this.groupId = groupId;
    return this;
  }

  setStartingOffsets(initializer: OffsetsInitializer): this {
    this.starting = initializer;
    return this;
  }

  /**
   * At most this many records per second from each partition (Spark's
   * spark.streaming.kafka.maxRatePerPartition): a backlog drains at a steady pace. With a rate
   * controller on the source (`setRateController`), it is the controller's upper bound.
   */
  setMaxRatePerPartition(recordsPerSecond: number): this {
    checkArgument(Number.isFinite(recordsPerSecond) && recordsPerSecond > 0, `[eddy] KafkaSource.setMaxRatePerPartition needs a rate > 0 records/s, got ${recordsPerSecond}`);
    this.maxRatePerPartition = recordsPerSecond;
    return this;
  }

  /** Bounded mode: stop at these offsets (e.g. `OffsetsInitializer.latest()`: the end of the log at start). */
  setBounded(stopping: OffsetsInitializer = OffsetsInitializer.latest()): this {
    this.stopping = stopping;
    return this;
  }

  setDeserializer<R>(deserializer: KafkaRecordDeserializer<R>): KafkaSourceBuilder<R> {
    checkArgument(deserializer !== null && typeof deserializer === "object" && typeof deserializer.deserialize === "function", "[eddy] KafkaSource.setDeserializer needs an object with deserialize(record)");
    this.deserializer = deserializer as KafkaRecordDeserializer<unknown>;
    return this as unknown as KafkaSourceBuilder<R>;
  }

  /**
   * A record the deserializer rejects: FAIL the job (default), SKIP it, or send it as a
   * {@link DeadLetter} to the side output `tag` of the source stream (DEAD_LETTER; like
   * `sideOutputLateData(tag)` of a window). Every rejected record is counted in
   * `metrics().deserializationFailures`; dead letters also in `metrics().deadLetters`. The job's
   * metrics show them per source vertex too: `numRecordsInErrors` and `KafkaSourceReader.deadLetters`.
   * Dead letters keep the record's Kafka timestamp and do not take part in watermarking.
   *
   * @example
   * const deadLetters = new OutputTag<DeadLetter>("dead-letters");
   * const source = KafkaSource.builder()
   *   // ...
   *   .setDeserializer(KafkaDeserializers.json<Click>())
   *   .setDeserializationFailurePolicy("DEAD_LETTER", deadLetters)
   *   .build();
   * const clicks = env.fromSource(source, WatermarkStrategy.noWatermarks(), "clicks"); // DataStream<Click>
   * clicks.getSideOutput(deadLetters).sinkTo(quarantine);
   */
  setDeserializationFailurePolicy(policy: "FAIL" | "SKIP"): this;
  setDeserializationFailurePolicy(policy: "DEAD_LETTER", tag: OutputTag<DeadLetter>): this;
  setDeserializationFailurePolicy(policy: DeserializationFailurePolicy, tag?: OutputTag<DeadLetter>): this {
    checkArgument(policy === "FAIL" || policy === "SKIP" || policy === "DEAD_LETTER", `[eddy] KafkaSource: the deserialization failure policy must be FAIL, SKIP or DEAD_LETTER, got "${String(policy)}"`);
    if (policy === "DEAD_LETTER") {
      checkArgument(typeof (tag as { id?: unknown } | undefined)?.id === "string", `[eddy] KafkaSource: the DEAD_LETTER policy needs the side output for the dead letters: setDeserializationFailurePolicy("DEAD_LETTER", new OutputTag<DeadLetter>("dead-letters")), then stream.getSideOutput(tag)`);
    } else {
      checkArgument(tag === undefined, `[eddy] KafkaSource: only the DEAD_LETTER policy takes a side output tag (got one with ${policy})`);
    }
    this.policy = policy;
    this.deadLetters = tag;
    return this;
  }




  build(): KafkaSource<T> {
    checkArgument(this.bootstrap !== undefined, "[eddy] KafkaSource: setBootstrapServers(...) is required");
    checkArgument(this.topics !== undefined || this.pattern !== undefined, "[eddy] KafkaSource: setTopics(...) or setTopicPattern(...) is required");
    const props = this.props;
    const bootstrap = this.bootstrap;
    const retries = intProperty(props, "retries", 5);
    const retryBackoffMs = intProperty(props, "retry.backoff.ms", 100);
    const enumerator: EnumeratorSettings = {
      name: this.name,
      topics: this.topics,
      pattern: this.pattern,
      startingOffsets: this.starting,
      bounded: this.stopping,
      groupId: this.groupId,
      discoveryIntervalMs: intProperty(props, "partition.discovery.interval.ms", 30_000),
      bootstrap,
    };
    const reader: ReaderSettings<T> = {
      name: this.name,
      deserializer: this.deserializer as KafkaRecordDeserializer<T>,
      onFailure: this.policy,
      deadLetters: this.deadLetters,
      groupId: this.groupId,
      commitOffsetsOnCheckpoint: (props.get("commit.offsets.on.checkpoint") ?? "true") !== "false",
      fetch: {
        maxWaitMs: intProperty(props, "fetch.max.wait.ms", 250),
        maxBytesPerPartition: intProperty(props, "max.partition.fetch.bytes", 1_048_576),
        maxBytes: intProperty(props, "fetch.max.bytes", 52_428_800),
      },
      maxBufferedRecords: intProperty(props, "eddy.reader.max.buffered.records", 20_000),
      maxRatePerPartition: this.maxRatePerPartition,
      retries,
      retryBackoffMs,
      bootstrap,
    };
    const prefix = props.get("client.id.prefix") ?? this.groupId ?? "eddy-kafka-source";
    clientConfig(bootstrap, props, prefix); // a bad client property fails here, not when the job starts
    const factory = this.clientFactory;
    return new KafkaSource<T>(enumerator, reader, (role) => factory(clientConfig(bootstrap, props, `${prefix}-${role}`)));
  }
}
