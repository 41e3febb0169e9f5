/**
 * {@link KafkaClient} on kafkajs 2.2.4. kafkajs' public API has neither manual partition
 * assignment (consumer.assign) nor a way to reach a transaction's producer id and epoch, so
 * this file uses kafkajs' own internal modules — its Cluster (metadata, brokers, Fetch,
 * ListOffsets, OffsetCommit/Fetch, FindCoordinator, EndTxn, Produce requests) and the
 * producer's eosManager (producer id, epoch, sequences, transactions). Records are sent by
 * {@link KafkajsClient.sendRecords}, not by kafkajs' producer: see there why. Everything that
 * touches kafkajs internals is in this file: when kafkajs changes (or another client replaces
 * it), only this file changes.
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
import { EddyError } from "../../core/errors.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

/** kafkajs modules, loaded on first use (no work at module load). */
interface Internals {
  Cluster: Any;
  Batch: Any;
  createLogger: Any;
  LEVELS: Record<string, number>;
  LoggerConsole: Any;
  socketFactory: Any;
  createRetry: Any;
  createEosManager: Any;
  DefaultPartitioner: Any;
  staleMetadata: (e: unknown) => boolean;
  COORDINATOR_TYPES: { GROUP: number; TRANSACTION: number };
}

/** The kafkajs modules this client uses, by the specifier it loads each by. */
export const KAFKAJS_MODULES = [
  "kafkajs",
  "kafkajs/src/cluster/index.js",
  "kafkajs/src/consumer/batch.js",
  "kafkajs/src/loggers/index.js",
  "kafkajs/src/loggers/console.js",
  "kafkajs/src/network/socketFactory.js",
  "kafkajs/src/network/requestQueue/index.js",
  "kafkajs/src/retry/index.js",
  "kafkajs/src/producer/eosManager/index.js",
  "kafkajs/src/protocol/error.js",
  "kafkajs/src/protocol/coordinatorTypes.js",
] as const;

let provided: Readonly<Record<(typeof KAFKAJS_MODULES)[number], unknown>> | undefined;

/**
 * Hands in the kafkajs modules a bundle imported (a Worker cannot load files at run time, so
 * `eddy bundle` compiles them in); without it they are loaded from node_modules on first use.
 */
export function provideKafkajsModules(modules: Readonly<Record<(typeof KAFKAJS_MODULES)[number], unknown>>): void {
  provided = modules;
}

let internals: Internals | undefined;
function kafkajs(): Internals {
  if (internals !== undefined) return internals;
  const bundled = provided;
  const require = bundled !== undefined ? (specifier: (typeof KAFKAJS_MODULES)[number]): Any => bundled[specifier] : createRequire(import.meta.url);
  const loggers = require("kafkajs/src/loggers/index.js");
  internals = {
    Cluster: require("kafkajs/src/cluster/index.js"),
    Batch: require("kafkajs/src/consumer/batch.js"),
    createLogger: loggers.createLogger,
    LEVELS: loggers.LEVELS,
    LoggerConsole: require("kafkajs/src/loggers/console.js"),
    socketFactory: require("kafkajs/src/network/socketFactory.js"),
    createRetry: require("kafkajs/src/retry/index.js"),
    createEosManager: require("kafkajs/src/producer/eosManager/index.js"),
    DefaultPartitioner: require("kafkajs").Partitioners.DefaultPartitioner,
    staleMetadata: require("kafkajs/src/protocol/error.js").staleMetadata,
    COORDINATOR_TYPES: require("kafkajs/src/protocol/coordinatorTypes.js"),
  };
  quietIdleConnections(require("kafkajs/src/network/requestQueue/index.js"));
  return internals;
}

/**
 * kafkajs 2.2.4's request queue re-arms a timer on every check, even with nothing pending and no
 * throttle: `setTimeout(check, throttledUntil - Date.now())`, a negative delay (throttledUntil
 * starts at -1). Every connection then wakes about once a millisecond for as long as it is
 * open, and Deno and Bun warn about the negative timeout. Checking only matters while requests
 * wait: a push schedules a check, and a fulfilled request checks the queue itself. So the
 * timer is armed only when something is pending, at the end of the throttle or 10 ms (kafkajs'
 * own interval), as kafkajs intends.
 */
function quietIdleConnections(RequestQueue: Any): void {
  const proto = RequestQueue.prototype;
  if (proto.eddyQuietIdle === true) return;
  proto.eddyQuietIdle = true;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: Any): void {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttledFor = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, throttledFor > 0 ? throttledFor : 10);
  };
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

/** The kafkajs request timeout in `e` or what it wraps (the error ending a retry loop keeps the last one as `cause`). */
function requestTimeoutIn(e: unknown): { broker?: string } | undefined {
  let x = e as { name?: string; broker?: string; cause?: unknown } | undefined;
  for (let depth = 0; x !== undefined && x !== null && depth < 5; depth++) {
    if (x.name === "KafkaJSRequestTimeoutError") return x;
    x = x.cause as typeof x;
  }
  return undefined;
}

/** Orders two Int64 offsets given as decimal strings. */
function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The records of one send that go to one partition (kafkajs messages). */
interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: Any[];
}

/** Send state of an idempotent (transactional) producer. */
interface IdempotentState {
  /** kafkajs' eosManager: producer id, epoch, sequence numbers, transaction state. */
  readonly eos: Any;
  /** Per topic partition: the last batch sent to it, settled (batches go one after the other). */
  readonly partitionQueues: Map<string, Promise<void>>;
  /** Set by a failed batch: no send succeeds until the next init (the transaction must be aborted). */
  failure: { error: unknown } | undefined;
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
  private closed = false;
  /** A connect under way per cluster: concurrent callers wait for it (a half-open socket reads as connected). */
  private readonly connecting = new WeakMap<object, Promise<void>>();

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
    await this.connect(this.cluster);
    return this.cluster;
  }

  /** Connects `cluster` to a bootstrap broker unless it is connected (or connecting) already. */
  private connect(cluster: Any): Promise<void> {
    const pending = this.connecting.get(cluster);
    if (pending !== undefined) return pending;
    if (cluster.isConnected()) return Promise.resolve();
    const connecting = this.connectOnce(cluster).finally(() => this.connecting.delete(cluster));
    this.connecting.set(cluster, connecting);
    return connecting;
  }

  /**
   * kafkajs connects to a bootstrap broker, then asks it for its API versions, waiting
   * request.timeout.ms (at least the connection timeout) for the answer. When the broker accepts
   * the connection and never answers, kafkajs' retry finds the socket open, takes the broker as
   * connected, and the next request fails with a bare "Broker not connected". Here such a
   * broker fails the connect with an error naming it and the time waited, and the half-open
   * connection is closed (the next attempt starts afresh).
   */
  private async connectOnce(cluster: Any): Promise<void> {
    const started = Date.now();
    let error: unknown;
    try {
      await cluster.connect();
    } catch (e) {
      error = e;
    }
    const seed = cluster.brokerPool?.seedBroker as { brokerAddress?: string; versions?: unknown } | undefined;
    const timedOut = requestTimeoutIn(error);
    if (error === undefined && (seed === undefined || seed.versions)) return;
    if (error !== undefined && timedOut === undefined) throw error;
    const waited = Date.now() - started;
    await cluster.disconnect().catch(() => {});
    const { requestTimeoutMs, connectionTimeoutMs } = this.config;
    const broker = timedOut?.broker ?? seed?.brokerAddress ?? this.config.bootstrapServers.join(",");
    throw new EddyError(
      `[eddy] Kafka broker ${broker} accepted the connection but did not answer within ${waited} ms (request.timeout.ms is ${requestTimeoutMs}` +
        `${connectionTimeoutMs > requestTimeoutMs ? `; the first request waits at least socket.connection.setup.timeout.ms, ${connectionTimeoutMs}` : ""})`,
      { code: "KAFKA_TIMEOUT", domain: "external", retryable: true, cause: error },
    );
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
        // kafkajs' filter of aborted records walks the aborted transactions in the order given
        // and only ever looks at the first one left, so it needs them by first offset; a broker
        // lists them in the order they ended (a transaction begun earlier but aborted later
        // comes after), and then that transaction's records would be returned as committed.
        // Kafka's Java consumer sorts them too (a priority queue by first offset).
        const aborted = data.abortedTransactions as { firstOffset: string }[] | null | undefined;
        const sorted = aborted && aborted.length > 1 ? { ...data, abortedTransactions: [...aborted].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset)) } : data;
        const batch = new Batch(topicName, String(requested.offset), sorted);
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
    const partitioner = this.k.DefaultPartitioner();
    const retrier = this.k.createRetry(this.retry);
    return {
      send: async (records) => {
        const cluster = this.producers();
        await this.connect(cluster);
        await this.sendRecords(cluster, partitioner, retrier, undefined, records);
      },
      close: async () => {},
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
    const partitioner = this.k.DefaultPartitioner();
    // An idempotent producer retries sends for long: a broker coming back must not lose records.
    const retrier = this.k.createRetry({ ...this.retry, retries: Math.max(this.retry.retries, 10) });
    const state: IdempotentState = { eos, partitionQueues: new Map(), failure: undefined };
    const identity = (): TransactionIdentity => ({ transactionalId, producerId: Number(eos.getProducerId()), epoch: Number(eos.getProducerEpoch()) });
    return {
      transactionalId,
      init: async () => {
        await this.connect(cluster);
        // kafkajs retries InitProducerId on coordinator errors only and gives up when the
        // coordinator's connection closes (a broker going down): retry those too.
        await this.retryWithFreshMetadata(this.retrier, cluster, () => eos.initProducerId());
        state.failure = undefined;
        return identity();
      },
      begin: () => eos.beginTransaction(),
      send: (records) => this.sendRecords(cluster, partitioner, retrier, state, records),
      commit: () => eos.commit(),
      abort: () => eos.abort(),
      inTransaction: () => eos.isInTransaction(),
      close: async () => {},
    };
  }

  /**
   * Sends records, one Produce request per partition, and resolves once every partition
   * acknowledged its records. Written here instead of kafkajs' producer (messageProducer /
   * sendMessages), which loses and duplicates records when a leader moves or a request fails:
   *
   * - it keeps one response per broker across retries, so when one partition's request fails
   *   (NOT_LEADER_FOR_PARTITION) and its new leader is a broker that already answered for other
   *   partitions, the retry skips that broker and the batch resolves without ever sending the
   *   moved partition's records (kafkajs PR #1798, unmerged);
   * - a failed request rolls back the sequence numbers of all its partitions, also of those the
   *   broker appended (or, after a timeout or a closed connection, may have appended), and frees
   *   them for the next send: another batch then goes out under the same sequence numbers and a
   *   broker acknowledges it as a duplicate without appending it;
   * - it treats DUPLICATE_SEQUENCE_NUMBER on a retry as fatal, where the Java client knows the
   *   batch was appended before.
   *
   * Here every partition is retried until it is acknowledged, with fresh metadata, each batch
   * keeps its sequence numbers over its retries, and an idempotent producer's batches to one
   * partition go one after the other (the next waits until the previous one is acknowledged or
   * has failed). After a failed batch the producer refuses further sends: the broker may hold
   * the batch or not, so the transaction can only be aborted (as Kafka's producers do).
   */
  private async sendRecords(cluster: Any, partitioner: Any, retrier: Any, idempotent: IdempotentState | undefined, records: readonly ProducerRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (idempotent?.failure !== undefined) throw idempotent.failure.error;
    const topicMessages = toMessages(records);
    // Partitions are chosen once, before any retry: a record keeps its partition.
    const perPartition: PartitionBatch[] = await retrier(async () => {
      try {
        await cluster.addMultipleTargetTopics(topicMessages.map((t) => t.topic));
        await cluster.refreshMetadataIfNecessary();
        const out: PartitionBatch[] = [];
        for (const { topic, messages } of topicMessages) {
          const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
          if (partitionMetadata.length === 0) throw Object.assign(new Error(`[eddy] no metadata for topic ${topic}`), { retriable: true });
          const groups = new Map<number, Any[]>();
          for (const message of messages) {
            const partition = partitioner({ topic, partitionMetadata, message }) as number;
            let list = groups.get(partition);
            if (list === undefined) groups.set(partition, (list = []));
            list.push(message);
          }
          for (const [partition, list] of groups) out.push({ topic, partition, messages: list });
        }
        return out;
      } catch (e) {
        await cluster.refreshMetadata().catch(() => {});
        throw e;
      }
    });
    const eos = idempotent?.eos;
    if (eos?.isTransactional()) {
      const topics = new Map<string, { partition: number }[]>();
      for (const p of perPartition) {
        let list = topics.get(p.topic);
        if (list === undefined) topics.set(p.topic, (list = []));
        list.push({ partition: p.partition });
      }
      const topicData = [...topics].map(([topic, partitions]) => ({ topic, partitions }));
      await this.retryWithFreshMetadata(retrier, cluster, () => eos.addPartitionsToTransaction(topicData));
    }
    const results = await Promise.allSettled(perPartition.map((p) => (idempotent === undefined ? this.sendPartition(cluster, retrier, undefined, p) : this.queued(idempotent, p, () => this.sendPartition(cluster, retrier, idempotent, p)))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }

  /** Runs `send` after the previous batch of the same partition of this producer settled. */
  private queued(state: IdempotentState, p: { topic: string; partition: number }, send: () => Promise<void>): Promise<void> {
    const key = tpKey(p.topic, p.partition);
    const previous = state.partitionQueues.get(key) ?? Promise.resolve();
    const run = previous.then(() => {
      if (state.failure !== undefined) throw state.failure.error;
      return send().catch((error: unknown) => {
        state.failure ??= { error };
        throw error;
      });
    });
    const settled = run.then(
      () => {},
      () => {},
    );
    state.partitionQueues.set(key, settled);
    void settled.then(() => {
      if (state.partitionQueues.get(key) === settled) state.partitionQueues.delete(key);
    });
    return run;
  }

  /** One partition's records to its leader, retried (same sequence numbers) until acknowledged. */
  private sendPartition(cluster: Any, retrier: Any, idempotent: IdempotentState | undefined, p: PartitionBatch): Promise<void> {
    const eos = idempotent?.eos;
    let attempts = 0;
    return retrier(async (bail: (e: unknown) => void) => {
      const attempt = attempts++;
      // Read again on every attempt, but only a successful attempt moves it on.
      const firstSequence = eos === undefined ? 0 : (eos.getSequence(p.topic, p.partition) as number);
      try {
        await cluster.refreshMetadataIfNecessary();
        const leaders = cluster.findLeaderForPartitions(p.topic, [p.partition]) as Record<string, number[]>;
        const nodeId = Object.keys(leaders)[0];
        if (nodeId === undefined) throw Object.assign(new Error(`[eddy] no leader for ${p.topic}:${p.partition}`), { type: "LEADER_NOT_AVAILABLE", retriable: true });
        const broker = await cluster.findBroker({ nodeId: Number(nodeId) });
        await broker.produce({
          transactionalId: eos?.isTransactional() ? eos.getTransactionalId() : undefined,
          producerId: eos?.getProducerId(),
          producerEpoch: eos?.getProducerEpoch(),
          acks: -1,
          topicData: [{ topic: p.topic, partitions: [{ partition: p.partition, firstSequence, messages: p.messages }] }],
        });
      } catch (e) {
        const err = e as { type?: string; name?: string; host?: string; port?: number };
        // An earlier attempt of this batch reached the broker after all (it timed out here or
        // its connection closed before the answer): the broker has it.
        if (eos !== undefined && attempt > 0 && err.type === "DUPLICATE_SEQUENCE_NUMBER") {
          eos.updateSequence(p.topic, p.partition, p.messages.length);
          return;
        }
        if (!this.retriable(e)) {
          bail(e);
          return;
        }
        if (err.name === "KafkaJSConnectionClosedError" && err.host !== undefined) cluster.removeBroker({ host: err.host, port: err.port });
        await this.connect(cluster).catch(() => {});
        await cluster.refreshMetadata().catch(() => {});
        throw e;
      }
      eos?.updateSequence(p.topic, p.partition, p.messages.length);
    });
  }

  /** Runs `request` with `retrier`, refreshing metadata before each retry; gives up at once on errors that are not retriable. */
  private retryWithFreshMetadata(retrier: Any, cluster: Any, request: () => Promise<unknown>): Promise<void> {
    return retrier(async (bail: (e: unknown) => void) => {
      try {
        await request();
      } catch (e) {
        if (!this.retriable(e)) {
          bail(e);
          return;
        }
        await cluster.refreshMetadata().catch(() => {});
        throw e;
      }
    });
  }

  /** Errors after which a request may succeed when sent again (to a leader from fresh metadata). */
  private retriable(e: unknown): boolean {
    const err = e as { name?: string; retriable?: boolean };
    if (this.k.staleMetadata(e)) return true;
    if (err.name === "KafkaJSMetadataNotLoaded" || err.name === "KafkaJSConnectionError" || err.name === "KafkaJSConnectionClosedError" || err.name === "KafkaJSRequestTimeoutError" || err.name === "KafkaJSBrokerNotFound") return true;
    return err.retriable === true;
  }

  async endTransaction(identity: TransactionIdentity, commit: boolean): Promise<void> {
    const cluster = this.producers();
    await this.connect(cluster);
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
