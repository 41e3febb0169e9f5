/**
 * The small client interface Eddy's Kafka connectors use. kafkajs implements it
 * (kafkajs-client.ts); another client (e.g. @confluentinc/kafka-javascript) can be plugged in
 * by implementing the same methods. Offsets are JS numbers (exact up to 2^53).
 */

/** One record read from Kafka. `key`, `value` and header values are raw bytes. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Record timestamp (ms since the epoch). */
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: Readonly<Record<string, Uint8Array | undefined>>;
}

/** A record to write. */
export interface ProducerRecord {
  readonly topic: string;
  readonly value: Uint8Array | string | null;
  readonly key?: Uint8Array | string | null;
  /** Omitted: the client's partitioner picks one (by key hash). */
  readonly partition?: number;
  readonly timestamp?: number;
  readonly headers?: Readonly<Record<string, Uint8Array | string>>;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A position to fetch from. */
export interface FetchPosition extends TopicPartition {
  readonly offset: number;
}

/** What one partition returned. */
export interface FetchedPartition extends TopicPartition {
  /** Data records, without control records and aborted transactions (read_committed). */
  readonly records: KafkaRecord[];
  /** Where the next fetch of this partition starts (past control records too). */
  readonly nextOffset: number;
  /** The partition's high watermark (read_uncommitted) or last stable offset (read_committed). */
  readonly endOffset: number;
}

/** Where to look up offsets: the first, the next to be written, or the first at or after a time. */
export type OffsetSpec = "earliest" | "latest" | { readonly timestamp: number };

/**
 * What identifies a Kafka transaction from outside the producer that opened it: enough to
 * commit or abort it from another client or process (an EndTxn request).
 */
export interface TransactionIdentity {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly epoch: number;
}

/** A producer without transactions. */
export interface RecordProducer {
  send(records: readonly ProducerRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** One transactional id's producer: one open transaction at a time. */
export interface TransactionalProducer {
  readonly transactionalId: string;
  /**
   * InitProducerId: gets (producer id, epoch) for the transactional id. On a real broker this
   * fences older producers of the id and aborts their open transaction.
   */
  init(): Promise<TransactionIdentity>;
  begin(): void;
  send(records: readonly ProducerRecord[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** Whether a transaction is open (begun and not yet committed or aborted). */
  inTransaction(): boolean;
  close(): Promise<void>;
}

/** Options of {@link KafkaClient.fetch}. */
export interface FetchOptions {
  readonly maxWaitMs: number;
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
}

/** What the connectors need from a Kafka client. */
export interface KafkaClient {
  /**
   * Partition counts per topic, asked from the brokers now (never a cached answer: partition
   * discovery depends on it). `topics` undefined lists every topic.
   */
  describeTopics(topics?: readonly string[]): Promise<Map<string, number>>;
  /** Offsets per `topic:partition` key (see {@link tpKey}). A timestamp with no later record gives the latest offset. */
  listOffsets(partitions: readonly TopicPartition[], spec: OffsetSpec): Promise<Map<string, number>>;
  /** A group's committed offsets per `topic:partition` key; partitions without one are absent. */
  committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, number>>;
  /** Commits offsets for a group without being a member (monitoring). */
  commitOffsets(groupId: string, offsets: readonly FetchPosition[]): Promise<void>;
  /** Leader broker id of each partition, from cached metadata (refreshed when unknown). */
  leaders(partitions: readonly TopicPartition[]): Promise<Map<number, TopicPartition[]>>;
  /** Forgets cached metadata (after a leader change or an unreachable broker). */
  refreshMetadata(): Promise<void>;
  /** One Fetch request to `leader` for the given positions. */
  fetch(leader: number, positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]>;
  createProducer(): RecordProducer;
  createTransactionalProducer(transactionalId: string, transactionTimeoutMs: number): TransactionalProducer;
  /**
   * Commits or aborts a transaction given its identity, from any client (EndTxn to the
   * transaction coordinator). Completing an already completed transaction the same way succeeds.
   */
  endTransaction(identity: TransactionIdentity, commit: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Settings every client takes (Kafka's property names where they exist). */
export interface KafkaClientConfig {
  readonly bootstrapServers: readonly string[];
  readonly clientId: string;
  /** "read_committed" (default) or "read_uncommitted". */
  readonly isolationLevel: "read_committed" | "read_uncommitted";
  /** Retries of one request before it fails (default 5). */
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** "nothing" | "error" | "warn" | "info" | "debug" (default "error"). */
  readonly logLevel: string;
}

/** Map key of a topic partition. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
