/**
 * {@link KafkaClient} on kafkajs 2.2.4. kafkajs' public API has neither manual partition
 * assignment (consumer.assign) nor a way to reach a transaction's producer id and epoch, so
 * this file uses kafkajs' own internal modules — its Cluster (metadata, brokers, Fetch,
 * ListOffsets, OffsetCommit/Fetch, FindCoordinator, EndTxn requests) and the producer's
 * eosManager + messageProducer pair. Everything that touches kafkajs internals is in this file:
 * when kafkajs changes (or another client replaces it), only this file changes.
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import type {
  FetchedPartition,
  FetchOptions,
  FetchPosition,
  KafkaClient,
  KafkaClientConfig,
  KafkaRecord,
  OffsetSpec,
  ProducerRecord,
  RecordProducer,
  TopicPartition,
  TransactionalProducer,
  TransactionIdentity,
} from "./client.ts";
import { tpKey } from "./client.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

/** kafkajs modules, loaded on first use (no work at module load). */
interface Internals {
  Kafka: Any;
  Cluster: Any;
  Batch: Any;
  createLogger: Any;
  LEVELS: Record<string, number>;
  LoggerConsole: Any;
  socketFactory: Any;
  createRetry: Any;
  createEosManager: Any;
  createMessageProducer: Any;
  DefaultPartitioner: Any;
  COORDINATOR_TYPES: { GROUP: number; TRANSACTION: number };
}

let internals: Internals | undefined;
function kafkajs(): Internals {
  if (internals !== undefined) return internals;
  const require = createRequire(import.meta.url);
  const loggers = require("kafkajs/src/loggers/index.js");
  internals = {
    Kafka: require("kafkajs").Kafka,
    Cluster: require("kafkajs/src/cluster/index.js"),
    Batch: require("kafkajs/src/consumer/batch.js"),
    createLogger: loggers.createLogger,
    LEVELS: loggers.LEVELS,
    LoggerConsole: require("kafkajs/src/loggers/console.js"),
    socketFactory: require("kafkajs/src/network/socketFactory.js"),
    createRetry: require("kafkajs/src/retry/index.js"),
    createEosManager: require("kafkajs/src/producer/eosManager/index.js"),
    createMessageProducer: require("kafkajs/src/producer/messageProducer.js"),
    DefaultPartitioner: require("kafkajs").Partitioners.DefaultPartitioner,
    COORDINATOR_TYPES: require("kafkajs/src/protocol/coordinatorTypes.js"),
  };
  return internals;
}

/** Errors after which cached metadata is stale: refresh and try again. */
const RETRIABLE_COORDINATOR = new Set(["NOT_COORDINATOR_FOR_GROUP", "NOT_COORDINATOR", "GROUP_COORDINATOR_NOT_AVAILABLE", "COORDINATOR_NOT_AVAILABLE", "COORDINATOR_LOAD_IN_PROGRESS", "CONCURRENT_TRANSACTIONS"]);

function toBuffer(v: Uint8Array | string | null | undefined): Buffer | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function toMessages(records: readonly ProducerRecord[]): { topic: string; messages: Any[] }[] {
  const byTopic = new Map<string, Any[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (list === undefined) byTopic.set(r.topic, (list = []));
    let headers: Record<string, Buffer | string> | undefined;
    if (r.headers !== undefined) {
      headers = {};
      for (const [k, v] of Object.entries(r.headers)) headers[k] = toBuffer(v) as Buffer | string;
    }
    list.push({
      key: toBuffer(r.key),
      value: toBuffer(r.value),
      partition: r.partition,
      timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
      headers,
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** A kafkajs-backed client. */
export class KafkajsClient implements KafkaClient {
  private readonly k = kafkajs();
  private readonly logger: Any;
  private readonly retry: { retries: number; initialRetryTime: number; maxRetryTime: number };
  private readonly retrier: Any;
  private readonly isolation: number;
  private cluster: Any;
  private producerCluster: Any;
  private kafka: Any;
  private closed = false;

  constructor(private readonly config: KafkaClientConfig) {
    const levels = this.k.LEVELS;
    const level = levels[config.logLevel.toUpperCase()] ?? levels.ERROR;
    this.logger = this.k.createLogger({ level, logCreator: this.k.LoggerConsole });
    this.retry = { retries: config.retries, initialRetryTime: config.retryBackoffMs, maxRetryTime: Math.max(config.retryBackoffMs * 10, 1_000) };
    this.retrier = this.k.createRetry(this.retry);
    this.isolation = config.isolationLevel === "read_uncommitted" ? 0 : 1;
  }

  private newCluster(isolationLevel: number): Any {
    const c = this.config;
    return new this.k.Cluster({
      logger: this.logger,
      socketFactory: this.k.socketFactory(),
      brokers: [...c.bootstrapServers],
      clientId: c.clientId,
      connectionTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      enforceRequestTimeout: true,
      // Eddy refreshes metadata itself (discovery, leader changes); this only bounds staleness.
      metadataMaxAge: 30_000,
      retry: this.retry,
      allowAutoTopicCreation: false,
      isolationLevel,
    });
  }

  private async main(): Promise<Any> {
    if (this.closed) throw new Error("[eddy] the Kafka client is closed");
    this.cluster ??= this.newCluster(this.isolation);
    if (!this.cluster.isConnected()) await this.cluster.connect();
    return this.cluster;
  }

  async describeTopics(topics?: readonly string[]): Promise<Map<string, number>> {
    const cluster = await this.main();
    // All topics, then filter: asking for a missing topic is an error on some brokers.
    const metadata = await cluster.metadata({ topics: [] });
    const wanted = topics === undefined ? undefined : new Set(topics);
    const out = new Map<string, number>();
    for (const t of metadata.topicMetadata as { topic: string; partitionMetadata: unknown[] }[]) {
      if (wanted === undefined || wanted.has(t.topic)) out.set(t.topic, t.partitionMetadata.length);
    }
    return out;
  }

  private async ensureMetadata(partitions: readonly TopicPartition[]): Promise<Any> {
    const cluster = await this.main();
    const topics = [...new Set(partitions.map((p) => p.topic))];
    await cluster.addMultipleTargetTopics(topics);
    const missing = (): boolean =>
      partitions.some((p) => !(cluster.findTopicPartitionMetadata(p.topic) as { partitionId: number }[]).some((m) => m.partitionId === p.partition));
    if (missing()) await cluster.refreshMetadata();
    return cluster;
  }

  async listOffsets(partitions: readonly TopicPartition[], spec: OffsetSpec): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (partitions.length === 0) return out;
    const byTopic = new Map<string, { partition: number }[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, (list = []));
      list.push({ partition: p.partition });
    }
    const request = (s: OffsetSpec) =>
      [...byTopic].map(([topic, parts]) =>
        typeof s === "object" ? { topic, partitions: parts, fromTimestamp: s.timestamp } : { topic, partitions: parts, fromBeginning: s === "earliest" },
      );
    const ask = async (s: OffsetSpec): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]> =>
      this.retrier(async () => {
        const cluster = await this.ensureMetadata(partitions);
        try {
          return await cluster.fetchTopicsOffset(request(s));
        } catch (e) {
          await cluster.refreshMetadata().catch(() => {});
          throw e;
        }
      });
    for (const t of await ask(spec)) for (const p of t.partitions) out.set(tpKey(t.topic, p.partition), Number(p.offset));
    if (typeof spec === "object") {
      // No record at or after the timestamp: start at the end, as Kafka's consumer does.
      const none = partitions.filter((p) => (out.get(tpKey(p.topic, p.partition)) ?? -1) < 0);
      if (none.length > 0) for (const [k, v] of await this.listOffsets(none, "latest")) out.set(k, v);
    }
    return out;
  }

  async committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (partitions.length === 0) return out;
    const cluster = await this.main();
    const topics = [...new Set(partitions.map((p) => p.topic))].map((topic) => ({
      topic,
      partitions: partitions.filter((p) => p.topic === topic).map((p) => ({ partition: p.partition })),
    }));
    const response: Any = await this.withCoordinator(cluster, groupId, this.k.COORDINATOR_TYPES.GROUP, (b) => b.offsetFetch({ groupId, topics }));
    for (const t of response.responses as { topic: string; partitions: { partition: number; offset: string }[] }[]) {
      for (const p of t.partitions) if (Number(p.offset) >= 0) out.set(tpKey(t.topic, p.partition), Number(p.offset));
    }
    return out;
  }

  async commitOffsets(groupId: string, offsets: readonly FetchPosition[]): Promise<void> {
    if (offsets.length === 0) return;
    const cluster = await this.main();
    const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
      topic,
      partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: String(o.offset) })),
    }));
    // Generation -1 and no member id: a commit from outside the group (what admin.setOffsets sends).
    await this.withCoordinator(cluster, groupId, this.k.COORDINATOR_TYPES.GROUP, (b) => b.offsetCommit({ groupId, groupGenerationId: -1, memberId: "", topics }));
  }

  async leaders(partitions: readonly TopicPartition[]): Promise<Map<number, TopicPartition[]>> {
    const cluster = await this.ensureMetadata(partitions);
    const out = new Map<number, TopicPartition[]>();
    for (const p of partitions) {
      const meta = (cluster.findTopicPartitionMetadata(p.topic) as { partitionId: number; leader: number | null }[]).find((m) => m.partitionId === p.partition);
      if (meta === undefined || meta.leader === null || meta.leader < 0) continue;
      let list = out.get(meta.leader);
      if (list === undefined) out.set(meta.leader, (list = []));
      list.push(p);
    }
    return out;
  }

  async refreshMetadata(): Promise<void> {
    const cluster = await this.main();
    await cluster.refreshMetadata();
  }

  async fetch(leader: number, positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]> {
    const cluster = await this.main();
    const broker = await cluster.findBroker({ nodeId: leader });
    const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
    for (const p of positions) {
      let list = topics.get(p.topic);
      if (list === undefined) topics.set(p.topic, (list = []));
      list.push({ partition: p.partition, fetchOffset: String(p.offset), maxBytes: options.maxBytesPerPartition });
    }
    const { responses } = await broker.fetch({
      maxWaitTime: options.maxWaitMs,
      minBytes: 1,
      maxBytes: options.maxBytes,
      isolationLevel: this.isolation,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    });
    const out: FetchedPartition[] = [];
    const Batch = this.k.Batch;
    for (const { topicName, partitions } of responses as { topicName: string; partitions: Any[] }[]) {
      for (const data of partitions) {
        const requested = positions.find((p) => p.topic === topicName && p.partition === data.partition);
        if (requested === undefined) continue;
        const batch = new Batch(topicName, String(requested.offset), data);
        const within = batch.messagesWithinOffset as { offset: string }[];
        const nextOffset = within.length > 0 ? Number(within[within.length - 1]!.offset) + 1 : requested.offset;
        const records: KafkaRecord[] = (batch.messages as Any[]).map((m) => ({
          topic: topicName,
          partition: data.partition as number,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
          key: m.key ?? null,
          value: m.value ?? null,
          headers: m.headers ?? {},
        }));
        const lso = data.lastStableOffset !== undefined ? Number(data.lastStableOffset) : -1;
        const endOffset = this.isolation === 1 && lso >= 0 ? lso : Number(data.highWatermark);
        out.push({ topic: topicName, partition: data.partition, records, nextOffset, endOffset });
      }
    }
    return out;
  }

  createProducer(): RecordProducer {
    const c = this.config;
    this.kafka ??= new this.k.Kafka({
      brokers: [...c.bootstrapServers],
      clientId: c.clientId,
      connectionTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      retry: this.retry,
      logLevel: this.k.LEVELS[c.logLevel.toUpperCase()] ?? this.k.LEVELS.ERROR,
    });
    const producer = this.kafka.producer({ createPartitioner: this.k.DefaultPartitioner, allowAutoTopicCreation: false });
    let connected: Promise<void> | undefined;
    return {
      send: async (records) => {
        connected ??= producer.connect();
        await connected;
        await producer.sendBatch({ topicMessages: toMessages(records), acks: -1 });
      },
      close: async () => {
        if (connected !== undefined) await producer.disconnect();
      },
    };
  }

  private producers(): Any {
    if (this.closed) throw new Error("[eddy] the Kafka client is closed");
    this.producerCluster ??= this.newCluster(this.isolation);
    return this.producerCluster;
  }

  createTransactionalProducer(transactionalId: string, transactionTimeoutMs: number): TransactionalProducer {
    const cluster = this.producers();
    const logger = this.logger.namespace("Producer");
    const eos = this.k.createEosManager({ logger, cluster, transactionTimeout: transactionTimeoutMs, transactional: true, transactionalId });
    const messages = this.k.createMessageProducer({
      logger,
      cluster,
      partitioner: this.k.DefaultPartitioner(),
      eosManager: eos,
      idempotent: true,
      // An idempotent producer retries sends for long: a broker coming back must not lose records.
      retrier: this.k.createRetry({ ...this.retry, retries: Math.max(this.retry.retries, 10) }),
      getConnectionStatus: () => "connected",
    });
    const identity = (): TransactionIdentity => ({ transactionalId, producerId: Number(eos.getProducerId()), epoch: Number(eos.getProducerEpoch()) });
    return {
      transactionalId,
      init: async () => {
        if (!cluster.isConnected()) await cluster.connect();
        await eos.initProducerId();
        return identity();
      },
      begin: () => eos.beginTransaction(),
      send: async (records) => {
        await messages.sendBatch({ topicMessages: toMessages(records), acks: -1 });
      },
      commit: () => eos.commit(),
      abort: () => eos.abort(),
      inTransaction: () => eos.isInTransaction(),
      close: async () => {},
    };
  }

  async endTransaction(identity: TransactionIdentity, commit: boolean): Promise<void> {
    const cluster = this.producers();
    if (!cluster.isConnected()) await cluster.connect();
    await this.withCoordinator(cluster, identity.transactionalId, this.k.COORDINATOR_TYPES.TRANSACTION, (b) =>
      b.endTxn({ transactionalId: identity.transactionalId, producerId: identity.producerId, producerEpoch: identity.epoch, transactionResult: commit }),
    );
  }

  /** Finds the coordinator of `key` and runs `request` on it, retrying coordinator moves. */
  private withCoordinator<R>(cluster: Any, key: string, coordinatorType: number, request: (broker: Any) => Promise<R>): Promise<R> {
    return this.retrier(async (bail: (e: unknown) => void) => {
      try {
        const broker = await cluster.findGroupCoordinator({ groupId: key, coordinatorType });
        return await request(broker);
      } catch (e) {
        const err = e as { type?: string; name?: string; retriable?: boolean };
        if (RETRIABLE_COORDINATOR.has(err.type ?? "") || err.name === "KafkaJSConnectionError" || err.name === "KafkaJSConnectionClosedError" || err.name === "KafkaJSRequestTimeoutError" || err.name === "KafkaJSBrokerNotFound") {
          await cluster.refreshMetadata().catch(() => {});
          throw e;
        }
        bail(e);
        return undefined as R;
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const clusters = [this.cluster, this.producerCluster].filter((c) => c !== undefined);
    this.cluster = undefined;
    this.producerCluster = undefined;
    await Promise.all(clusters.map((c: Any) => c.disconnect().catch(() => {})));
  }
}
