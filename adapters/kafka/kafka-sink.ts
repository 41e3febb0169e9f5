/**
 * KafkaSink (Flink's): at-least-once (flush at the barrier) or exactly-once through Kafka
 * transactions. Exactly-once: each subtask rotates transactional ids `<prefix>-<subtask>-<n>`,
 * since the transaction of checkpoint N waits for its commit while checkpoint N+1's records are
 * written. A transaction is stored in the checkpoint as (transactional id, producer id, epoch):
 * after a crash, the next run commits it with an EndTxn request of its own — no producer can be
 * re-created for it without fencing it (what Flink does by reflection and KIP-939 addresses).
 */
import type { LingeringScope, Sink, SinkInitContext, SinkWriter, SinkWriterContext, TransactionContext, TwoPhaseCommitLogic, TwoPhaseCommitSink } from "../../core/index.ts";
import { EddyError, checkArgument, describeError } from "../../core/errors.ts";
import type { KafkaClient, ProducerRecord, RecordProducer, TransactionalProducer, TransactionIdentity } from "./client.ts";
import type { KafkaRecordSerializer } from "./deserializers.ts";
import { clientConfig, intProperty } from "./properties.ts";
import { KafkaClientBuilder } from "./client-builder.ts";

/** Flink's DeliveryGuarantee. */
export type DeliveryGuarantee = "NONE" | "AT_LEAST_ONCE" | "EXACTLY_ONCE";

/** A Kafka transaction as stored in a checkpoint: enough to finish it from another process. */
export type KafkaTransaction = TransactionIdentity;

/** Errors of an EndTxn for a transaction that is already finished (or whose producer was fenced since). */
const ALREADY_ENDED = new Set(["INVALID_TXN_STATE", "INVALID_PRODUCER_EPOCH", "PRODUCER_FENCED", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_ID_MAPPING", "TRANSACTIONAL_ID_NOT_FOUND"]);

interface SinkSettings<T> {
  readonly name: string;
  readonly guarantee: DeliveryGuarantee;
  readonly serializer: KafkaRecordSerializer<T>;
  readonly transactionalIdPrefix: string | undefined;
  readonly transactionTimeoutMs: number;
  readonly batchSize: number;
  readonly maxInFlight: number;
  /** Transactional ids per subtask whose open transactions are aborted on start (real brokers). */
  readonly lingeringProbe: number;
}

/** Counters (KafkaSink.metrics()). */
export interface KafkaSinkMetrics {
  recordsWritten: number;
  transactionsCommitted: number;
  transactionsAborted: number;
  /** Commits of restored transactions found already finished. */
  recoveredCommitsAlreadyEnded: number;
  lingeringAborted: number;
}

/**
 * Writes a stream to Kafka. Build it with {@link KafkaSink.builder}.
 *
 * @example
 * const sink = KafkaSink.builder<Count>()
 *   .setBootstrapServers("localhost:9092")
 *   .setRecordSerializer(KafkaSerializers.json({ topic: "counts", key: (c) => c.page }))
 *   .setDeliveryGuarantee("EXACTLY_ONCE")
 *   .setTransactionalIdPrefix("page-counts")
 *   .build();
 * counts.sinkTo(sink);
 */
export class KafkaSink<T> implements Sink<T>, TwoPhaseCommitSink<T, KafkaTransaction> {
  /** "two-phase-commit" for EXACTLY_ONCE: `sinkTo` then runs it as a transactional sink. */
  readonly kind: "two-phase-commit";
  readonly name: string;
  private readonly stats: KafkaSinkMetrics = { recordsWritten: 0, transactionsCommitted: 0, transactionsAborted: 0, recoveredCommitsAlreadyEnded: 0, lingeringAborted: 0 };
  /** Transactions opened in this process and not finished, by transactional id (lingering ones after an in-process restart). */
  private readonly open = new Map<string, TransactionIdentity>();

  /** @internal Use {@link KafkaSink.builder}. */
  constructor(
    private readonly settings: SinkSettings<T>,
    private readonly newClient: (role: string) => KafkaClient,
  ) {
    this.name = settings.name;
    this.kind = (settings.guarantee === "EXACTLY_ONCE" ? "two-phase-commit" : "sink") as "two-phase-commit";
  }

  static builder<T = string>(): KafkaSinkBuilder<T> {
    return new KafkaSinkBuilder<T>();
  }

  metrics(): KafkaSinkMetrics {
    return { ...this.stats };
  }

  createWriter(context: SinkInitContext): SinkWriter<T> {
    return new AtLeastOnceWriter(this.newClient(`writer-${context.subtaskIndex}`), this.settings, this.stats);
  }

  createLogic(context: TransactionContext): TwoPhaseCommitLogic<T, KafkaTransaction> {
    const s = this.settings;
    // A transaction is open from one barrier to the next and then waits for the checkpoint to
    // complete; the broker aborts it after transaction.timeout.ms. The job's interval comes
    // from env.enableCheckpointing (undefined without checkpointing: nothing to check).
    const interval = context.checkpointIntervalMs;
    if (interval !== undefined && s.transactionTimeoutMs < 3 * interval) {
      throw new EddyError(
        `[eddy] Kafka sink "${s.name}": transaction.timeout.ms (${s.transactionTimeoutMs}) must be at least 3x the checkpoint interval (${interval} ms): a transaction stays open for a whole checkpoint interval and then waits for the checkpoint to complete, and the broker aborts it after the timeout, losing its records`,
        { code: "INVALID_ARGUMENT", domain: "user", retryable: false, operator: s.name },
      );
    }
    return new TransactionalLogic(this.newClient(`txn-${context.subtaskIndex}`), s, context.subtaskIndex, this.stats, this.open);
  }
}

/**
 * Records on their way to one producer: sent in batches of `batchSize` without waiting, at most
 * `maxInFlight` batches unacknowledged (a write beyond that waits for the oldest), and the first
 * failed send thrown by the next write or flush.
 */
class BatchSender {
  private buffer: ProducerRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly producer: Pick<RecordProducer, "send">,
    private readonly settings: Pick<SinkSettings<unknown>, "name" | "batchSize" | "maxInFlight">,
    private readonly stats: KafkaSinkMetrics,
  ) {}

  write(record: ProducerRecord): void | Promise<void> {
    this.check();
    this.buffer.push(record);
    if (this.buffer.length < this.settings.batchSize) return;
    this.send();
    // Too much unacknowledged: hold the task back until the oldest send settles.
    if (this.inFlight.size >= this.settings.maxInFlight) return Promise.race(this.inFlight).then(() => this.check());
  }

  /** Sends what is buffered and waits for every acknowledgement. */
  async flush(): Promise<void> {
    this.send();
    await Promise.all(this.inFlight);
    this.check();
  }

  /** Drops what is buffered and waits until every send has settled (abort, close). */
  async settle(): Promise<void> {
    this.buffer = [];
    await Promise.allSettled(this.inFlight);
  }

  private send(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const p: Promise<void> = this.producer.send(batch).then(
      () => {
        this.stats.recordsWritten += batch.length;
        this.inFlight.delete(p);
      },
      (error: unknown) => {
        this.failure ??= { error: sendError(this.settings.name, error) };
        this.inFlight.delete(p);
      },
    );
    this.inFlight.add(p);
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/** Sends in batches without waiting; a flush (barrier, end of input) waits for every acknowledgement. */
class AtLeastOnceWriter<T> implements SinkWriter<T> {
  private readonly producer: RecordProducer;
  private readonly sender: BatchSender;

  constructor(
    private readonly client: KafkaClient,
    private readonly settings: SinkSettings<T>,
    stats: KafkaSinkMetrics,
  ) {
    this.producer = client.createProducer();
    this.sender = new BatchSender(this.producer, settings, stats);
  }

  write(value: T, context: SinkWriterContext): void | Promise<void> {
    return this.sender.write(this.settings.serializer.serialize(value, context.timestamp));
  }

  flush(): Promise<void> {
    return this.sender.flush();
  }

  async close(): Promise<void> {
    await this.sender.settle();
    await this.producer.close().catch(() => {});
    await this.client.close();
  }
}

interface PooledProducer {
  readonly producer: TransactionalProducer;
  readonly identity: TransactionIdentity;
  readonly sender: BatchSender;
  begunAt: number;
}

/**
 * The two-phase-commit logic of one subtask. Every transaction gets its own transactional id,
 * `<prefix>-<subtask>-<n>` with n counting up, so (transactional id, producer id, epoch)
 * names exactly one transaction: a producer id and epoch stay the same over a producer's
 * successive transactions, and committing "the transaction of (id, pid, epoch)" after a
 * restore must not commit a later one of the same producer. n goes on after the largest n a
 * restored checkpoint names; ids of transactions no checkpoint knows are initialized again,
 * which on a real broker fences them and aborts their open transaction (Flink's scheme).
 */
class TransactionalLogic<T> implements TwoPhaseCommitLogic<T, KafkaTransaction> {
  private readonly live = new Map<string, PooledProducer>();
  /** Producers initialized ahead (lingering-transaction probes), by transactional id. */
  private readonly ready = new Map<string, PooledProducer>();
  private readonly prefix: string;
  private next = 0;
  private closed = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly settings: SinkSettings<T>,
    subtask: number,
    private readonly stats: KafkaSinkMetrics,
    private readonly open: Map<string, TransactionIdentity>,
  ) {
    this.prefix = `${settings.transactionalIdPrefix}-${subtask}-`;
  }

  /** Moves the id counter past a restored transaction's. */
  private seen(txn: KafkaTransaction): void {
    if (!txn.transactionalId.startsWith(this.prefix)) return;
    const n = Number(txn.transactionalId.slice(this.prefix.length));
    if (Number.isInteger(n) && n >= this.next) this.next = n + 1;
  }

  private async initialized(id: string): Promise<PooledProducer> {
    const ready = this.ready.get(id);
    if (ready !== undefined) {
      this.ready.delete(id);
      return ready;
    }
    const producer = this.client.createTransactionalProducer(id, this.settings.transactionTimeoutMs);
    const identity = await producer.init();
    return { producer, identity, sender: new BatchSender(producer, this.settings, this.stats), begunAt: 0 };
  }

  async beginTransaction(): Promise<KafkaTransaction> {
    const e = await this.initialized(`${this.prefix}${this.next++}`);
    e.producer.begin();
    e.begunAt = Date.now();
    this.live.set(e.producer.transactionalId, e);
    this.open.set(e.producer.transactionalId, e.identity);
    return e.identity;
  }

  private liveOf(txn: KafkaTransaction): PooledProducer | undefined {
    const e = this.live.get(txn.transactionalId);
    return e !== undefined && e.identity.producerId === txn.producerId && e.identity.epoch === txn.epoch ? e : undefined;
  }

  write(txn: KafkaTransaction, value: T, timestamp: number): void | Promise<void> {
    return this.liveOf(txn)!.sender.write(this.settings.serializer.serialize(value, timestamp));
  }

  async preCommit(txn: KafkaTransaction): Promise<void> {
    const e = this.liveOf(txn)!;
    await e.sender.flush();
    const open = Date.now() - e.begunAt;
    if (open > this.settings.transactionTimeoutMs) {
      throw new EddyError(`[eddy] Kafka sink "${this.settings.name}": transaction ${txn.transactionalId} was open ${open} ms, longer than transaction.timeout.ms (${this.settings.transactionTimeoutMs}); the broker may have aborted it: raise the timeout or checkpoint more often`, {
        code: "KAFKA_TRANSACTION_TIMEOUT",
        domain: "user",
        retryable: true,
        operator: this.settings.name,
      });
    }
  }

  async commit(txn: KafkaTransaction): Promise<void> {
    this.seen(txn);
    const e = this.liveOf(txn);
    if (e !== undefined && e.producer.inTransaction()) {
      try {
        await e.producer.commit();
      } catch {
        // The producer's state is unknown now: finish the transaction by its identity.
        await this.endByIdentity(txn, true);
      }
      this.live.delete(txn.transactionalId);
    } else {
      // Restored from a checkpoint: this process has no producer for it.
      await this.endByIdentity(txn, true);
    }
    this.open.delete(txn.transactionalId);
    this.stats.transactionsCommitted++;
  }

  async abort(txn: KafkaTransaction): Promise<void> {
    this.seen(txn);
    const e = this.liveOf(txn);
    if (e !== undefined) {
      await e.sender.settle();
      if (e.producer.inTransaction()) await e.producer.abort().catch(() => this.endByIdentity(txn, false));
      this.live.delete(txn.transactionalId);
      this.open.delete(txn.transactionalId);
      this.stats.transactionsAborted++;
      return;
    }
    await this.endByIdentity(txn, false);
    this.open.delete(txn.transactionalId);
    this.stats.transactionsAborted++;
  }

  async abortLingering(known: readonly KafkaTransaction[], scope: LingeringScope): Promise<void> {
    for (const t of known) this.seen(t);
    const keep = new Set(known.map((t) => `${t.transactionalId}/${t.producerId}/${t.epoch}`));
    // Transactions this process opened before a restart that no checkpoint knows, of every
    // subtask this one owns now (their producer ids are known here, so EndTxn aborts them on
    // any broker).
    for (const [id, identity] of [...this.open]) {
      const subtask = this.subtaskOf(id);
      if (subtask === undefined || !scope.owns(subtask) || keep.has(`${id}/${identity.producerId}/${identity.epoch}`)) continue;
      await this.endByIdentity(identity, false);
      this.open.delete(id);
      this.stats.lingeringAborted++;
    }
    // Another process's: the ids after the restored ones were the next to be used.
    // InitProducerId fences them and aborts their open transaction on a real broker (the test
    // broker only hands out a new producer id). This subtask's own are kept for its next
    // transactions; those of old subtasks it took over are only fenced.
    for (const subtask of scope.subtasks) {
      const prefix = this.prefixOf(subtask);
      const own = prefix === this.prefix;
      const next = own ? this.next : nextIdAfter(known, prefix);
      for (let i = 0; i < this.settings.lingeringProbe; i++) {
        const id = `${prefix}${next + i}`;
        if (own && !this.ready.has(id)) this.ready.set(id, await this.initialized(id));
        else if (!own) await this.initialized(id);
      }
    }
  }

  private prefixOf(subtask: number): string {
    return `${this.settings.transactionalIdPrefix}-${subtask}-`;
  }

  /** The subtask of a transactional id `<prefix>-<subtask>-<n>` of this sink, if it is one. */
  private subtaskOf(transactionalId: string): number | undefined {
    const base = `${this.settings.transactionalIdPrefix}-`;
    if (!transactionalId.startsWith(base)) return undefined;
    const m = /^(\d+)-\d+$/.exec(transactionalId.slice(base.length));
    return m === null ? undefined : Number(m[1]);
  }

  private async endByIdentity(txn: KafkaTransaction, commit: boolean): Promise<void> {
    try {
      await this.client.endTransaction(txn, commit);
    } catch (error) {
      const type = (error as { type?: string }).type ?? "";
      if (ALREADY_ENDED.has(type)) {
        if (commit) this.stats.recoveredCommitsAlreadyEnded++;
        return;
      }
      throw new EddyError(`[eddy] Kafka sink "${this.settings.name}": could not ${commit ? "commit" : "abort"} transaction ${txn.transactionalId} (producer id ${txn.producerId}, epoch ${txn.epoch}): ${describeError(error)}`, {
        code: "KAFKA_TRANSACTION",
        domain: "external",
        retryable: true,
        operator: this.settings.name,
        cause: error,
      });
    }
  }

  /** Called by the runtime when the subtask closes: waits for sends in flight, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.live.values()].map((e) => e.sender.settle()));
    await this.client.close();
  }
}

/** The first n not used by a known transaction `<prefix><n>`. */
function nextIdAfter(known: readonly KafkaTransaction[], prefix: string): number {
  let next = 0;
  for (const t of known) {
    if (!t.transactionalId.startsWith(prefix)) continue;
    const n = Number(t.transactionalId.slice(prefix.length));
    if (Number.isInteger(n) && n >= next) next = n + 1;
  }
  return next;
}

function sendError(name: string, error: unknown): EddyError {
  return new EddyError(`[eddy] Kafka sink "${name}": a write failed: ${describeError(error)}`, { code: "KAFKA_WRITE", domain: "external", retryable: true, operator: name, cause: error });
}

/**
 * Builder of {@link KafkaSink}, with Flink's method names.
 *
 * Properties (`setProperty`): `transaction.timeout.ms` (default 60000; EXACTLY_ONCE refuses to start unless it
 * is at least 3x the job's checkpoint interval), `eddy.batch.records` (records per send,
 * default 500), `max.in.flight.requests` (default 5), `retries`, `retry.backoff.ms`,
 * `request.timeout.ms` (default 30000; also how long a broker may take to answer the first
 * request on a new connection), `socket.connection.setup.timeout.ms` (default 3000), `client.id`,
 * `log.level`.
 */
export class KafkaSinkBuilder<T> extends KafkaClientBuilder {
  constructor() {
    super("Kafka Sink");
  }

  private serializer: KafkaRecordSerializer<T> | undefined;
  private guarantee: DeliveryGuarantee = "AT_LEAST_ONCE";
  private prefix: string | undefined;


  setRecordSerializer<R>(serializer: KafkaRecordSerializer<R>): KafkaSinkBuilder<R> {
    checkArgument(serializer !== null && typeof serializer === "object" && typeof serializer.serialize === "function", "[eddy] KafkaSink.setRecordSerializer needs an object with serialize(element, timestamp)");
    (this as unknown as KafkaSinkBuilder<R>).serializer = serializer;
    return this as unknown as KafkaSinkBuilder<R>;
  }

  /** NONE / AT_LEAST_ONCE (default: flush at every checkpoint) / EXACTLY_ONCE (transactions). */
  setDeliveryGuarantee(guarantee: DeliveryGuarantee): this {
    checkArgument(guarantee === "NONE" || guarantee === "AT_LEAST_ONCE" || guarantee === "EXACTLY_ONCE", `[eddy] KafkaSink: the delivery guarantee must be NONE, AT_LEAST_ONCE or EXACTLY_ONCE, got "${String(guarantee)}"`);
    this.guarantee = guarantee;
    return this;
  }

  /** Prefix of the transactional ids (EXACTLY_ONCE): unique per job writing to the same cluster. */
  setTransactionalIdPrefix(prefix: string): this {
    checkArgument(typeof prefix === "string" && prefix !== "", "[eddy] KafkaSink.setTransactionalIdPrefix needs a non-empty string");
    this.prefix = prefix;
    return this;
  }




  build(): KafkaSink<T> {
    checkArgument(this.bootstrap !== undefined, "[eddy] KafkaSink: setBootstrapServers(...) is required");
    checkArgument(this.serializer !== undefined, "[eddy] KafkaSink: setRecordSerializer(...) is required");
    checkArgument(this.guarantee !== "EXACTLY_ONCE" || this.prefix !== undefined, "[eddy] KafkaSink: EXACTLY_ONCE needs setTransactionalIdPrefix(...)");
    const props = this.props;
    const bootstrap = this.bootstrap;
    const settings: SinkSettings<T> = {
      name: this.name,
      guarantee: this.guarantee,
      serializer: this.serializer,
      transactionalIdPrefix: this.prefix,
      transactionTimeoutMs: intProperty(props, "transaction.timeout.ms", 60_000),
      batchSize: intProperty(props, "eddy.batch.records", 500),
      maxInFlight: intProperty(props, "max.in.flight.requests", 5),
      lingeringProbe: intProperty(props, "eddy.lingering.probe", 2),
    };
    const factory = this.clientFactory;
    const clientId = props.get("client.id") ?? this.prefix ?? "eddy-kafka-sink";
    clientConfig(bootstrap, props, clientId); // a bad client property fails here, not when the job starts
    return new KafkaSink<T>(settings, (role) => factory(clientConfig(bootstrap, props, `${clientId}-${role}`)));
  }
}
