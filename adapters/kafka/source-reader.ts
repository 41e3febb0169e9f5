/**
 * KafkaSource's reader: fetches its partitions in the background (one Fetch in flight per
 * leader broker) into a bounded buffer, and `pollNext` drains the buffer without blocking.
 * Offsets live in checkpoint state (the split's next offset); committing them to the group
 * when a checkpoint completes is for monitoring only. Each partition gets its own watermark
 * output (per-partition watermarks, combined by the runtime).
 */
import type { InputStatus, OutputTag, ReaderOutput, SourceReader, SourceReaderContext } from "../../core/index.ts";
import { EddyError, describeError } from "../../core/errors.ts";
import type { FetchedPartition, FetchOptions, KafkaClient, KafkaRecord } from "./client.ts";
import { DeadLetter, type DeserializationFailurePolicy, type KafkaRecordDeserializer } from "./deserializers.ts";
import type { KafkaPartitionSplit } from "./source-enumerator.ts";

/** Settings the reader needs. */
export interface ReaderSettings<T> {
  readonly name: string;
  readonly deserializer: KafkaRecordDeserializer<T>;
  readonly onFailure: DeserializationFailurePolicy;
  /** Where DEAD_LETTER sends rejected records: a side output of the source stream. */
  readonly deadLetters: OutputTag<DeadLetter> | undefined;
  readonly groupId: string | undefined;
  readonly commitOffsetsOnCheckpoint: boolean;
  readonly fetch: FetchOptions;
  /** Records buffered before fetching pauses (backpressure). */
  readonly maxBufferedRecords: number;
  /** Consecutive failed fetches of one broker before the reader fails. */
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly bootstrap: readonly string[];
  /** Records per second and partition the reader emits at most (Spark's maxRatePerPartition). */
  readonly maxRatePerPartition: number | undefined;
}

/** Counters shared by every reader of one source (KafkaSource.metrics()). */
export interface ReaderCounters {
  recordsRead: number;
  deserializationFailures: number;
  deadLetters: number;
  offsetCommitFailures: number;
}

/**
 * One reader's counters, as the job's metrics show them (SourceReader.metrics): Flink's
 * `numRecordsInErrors` (records the deserializer rejected, under any failure policy) and its
 * Kafka connector's `KafkaSourceReader.commitsSucceeded` / `commitsFailed` (offset commits on
 * checkpoint), plus `KafkaSourceReader.deadLetters` (records sent to the dead-letter output).
 */
export type KafkaReaderMetrics = Readonly<Record<"numRecordsInErrors" | "KafkaSourceReader.deadLetters" | "KafkaSourceReader.commitsSucceeded" | "KafkaSourceReader.commitsFailed", number>>;

/** Where a reader is in one partition (see {@link KafkaSourceReader.describeSplits}). */
export interface PartitionPosition {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to emit (what a checkpoint would keep). */
  readonly offset: number;
  /** Next offset to fetch. */
  readonly fetched: number;
  /** Bounded mode: the first offset not to read. */
  readonly stoppingOffset?: number;
  readonly finished: boolean;
}

interface PartitionState {
  readonly split: KafkaPartitionSplit;
  /** Next offset to emit: the checkpointed position. */
  offset: number;
  /** Next offset to fetch (ahead of `offset` by what is buffered). */
  fetchOffset: number;
  readonly stop: number | undefined;
  finished: boolean;
  inFlight: boolean;
  output: ReaderOutput<unknown> | undefined;
}

interface Chunk {
  readonly state: PartitionState;
  readonly records: KafkaRecord[];
  index: number;
  readonly nextOffset: number;
}

export class KafkaSourceReader<T> implements SourceReader<T, KafkaPartitionSplit> {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly chunks: Chunk[] = [];
  private buffered = 0;
  private withoutOutput = 0;
  /** Whether the enumerator has assigned anything yet (possibly nothing). */
  private assignedOnce = false;
  private noMoreSplits = false;
  private closed = false;
  private failure: unknown;
  private waiting: (() => void) | undefined;
  private loopWake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly failures = new Map<number, number>();
  private readonly toCommit = new Map<number, { topic: string; partition: number; offset: number }[]>();
  /** This reader's own counts (the shared `counters` add up every reader of the source). */
  private readonly own = { errors: 0, deadLetters: 0, commitsSucceeded: 0, commitsFailed: 0 };

  constructor(
    private readonly context: SourceReaderContext,
    private readonly client: KafkaClient,
    private readonly settings: ReaderSettings<T>,
    private readonly counters: ReaderCounters,
  ) {}

  start(): void {}

  addSplits(splits: KafkaPartitionSplit[]): void {
    this.assignedOnce = true;
    for (const s of splits) {
      // A split this reader already holds (re-discovered after a restore) keeps its position.
      if (this.partitions.has(s.splitId)) continue;
      const finished = s.stoppingOffset !== undefined && s.startingOffset >= s.stoppingOffset;
      this.partitions.set(s.splitId, { split: s, offset: s.startingOffset, fetchOffset: s.startingOffset, stop: s.stoppingOffset, finished, inFlight: false, output: undefined });
      this.withoutOutput++;
    }
    this.loop ??= this.run();
    this.wakeLoop();
    this.wakeReader();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.wakeReader();
  }

  pollNext(output: ReaderOutput<T>, limit?: number): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    if (this.withoutOutput > 0) this.createOutputs(output);
    const chunk = this.chunks[0];
    if (chunk === undefined) {
      // Idle only once discovery gave this reader nothing: before that, another reader's
      // watermark must not run ahead of partitions this one is about to get.
      if (this.partitions.size === 0 && this.assignedOnce) output.markIdle();
      return this.isEnded() ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
    }
    const state = chunk.state;
    const out = state.output!;
    const { deserializer, onFailure, deadLetters } = this.settings;
    const records = chunk.records;
    const end = Math.min(records.length, chunk.index + (limit === undefined ? 512 : Math.min(512, limit)));
    let i = chunk.index;
    for (; i < end; i++) {
      const r = records[i]!;
      if (state.stop !== undefined && r.offset >= state.stop) {
        i = records.length;
        break;
      }
      let value: T;
      try {
        value = deserializer.deserialize(r);
      } catch (e) {
        this.counters.deserializationFailures++;
        this.own.errors++;
        if (onFailure === "FAIL") {
          throw new EddyError(`[eddy] Kafka source "${this.settings.name}": cannot deserialize the record at ${r.topic}:${r.partition}@${r.offset}: ${describeError(e)} (set the deserialization failure policy to SKIP or DEAD_LETTER to go on)`, {
            code: "KAFKA_DESERIALIZATION",
            domain: "user",
            retryable: false,
            operator: this.settings.name,
            cause: e,
          });
        }
        state.offset = r.offset + 1;
        if (deadLetters !== undefined) {
          // To the side output: the main stream's type stays T, and a dead letter neither
          // goes through timestamp assignment nor moves the watermark.
          this.counters.deadLetters++;
          this.own.deadLetters++;
          out.collectSide(deadLetters, new DeadLetter(r, describeError(e)), r.timestamp);
        }
        continue;
      }
      state.offset = r.offset + 1;
      out.collect(value, r.timestamp);
    }
    this.counters.recordsRead += i - chunk.index;
    this.buffered -= i - chunk.index;
    chunk.index = i;
    if (i >= records.length) {
      this.chunks.shift();
      // Past control records and aborted transactions too.
      if (chunk.nextOffset > state.offset) state.offset = chunk.nextOffset;
      if (state.stop !== undefined && state.offset >= state.stop) this.finish(state, output);
      if (this.buffered < this.settings.maxBufferedRecords / 2) this.wakeLoop();
    }
    if (this.chunks.length > 0) return "MORE_AVAILABLE";
    return this.isEnded() ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
  }

  /**
   * Every split gets its watermark output before any record is emitted: a split that has not
   * produced yet holds the reader's watermark back (until idleness marks it idle), so its
   * records are not late because another split ran ahead.
   */
  private createOutputs(output: ReaderOutput<unknown>): void {
    for (const p of this.partitions.values()) {
      if (p.output === undefined && !p.finished) p.output = (output.createOutputForSplit?.(p.split.splitId) ?? output) as ReaderOutput<unknown>;
    }
    this.withoutOutput = 0;
  }

  private finish(state: PartitionState, output: ReaderOutput<unknown>): void {
    state.finished = true;
    if (state.output !== undefined) output.releaseOutputForSplit?.(state.split.splitId);
  }

  private isEnded(): boolean {
    if (!this.noMoreSplits) return false;
    for (const p of this.partitions.values()) if (!p.finished || p.stop === undefined) return false;
    return this.chunks.length === 0;
  }

  isAvailable(): Promise<void> {
    if (this.chunks.length > 0 || this.failure !== undefined || this.isEnded()) return Promise.resolve();
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /**
   * The partitions this reader holds and where it is in each, without taking a snapshot (the
   * REST API's partitions endpoint): `offset` is the next offset to emit, `fetched` the next to
   * fetch (ahead by what is buffered), `stoppingOffset` the end in bounded mode.
   */
  /** maxRatePerPartition times the partitions it still reads, when set. */
  maxRate(): number | undefined {
    const perPartition = this.settings.maxRatePerPartition;
    if (perPartition === undefined) return undefined;
    let reading = 0;
    for (const p of this.partitions.values()) if (!p.finished) reading++;
    return Math.max(1, reading) * perPartition;
  }

  describeSplits(): { splitId: string; state: PartitionPosition }[] {
    const out: { splitId: string; state: PartitionPosition }[] = [];
    for (const p of this.partitions.values()) {
      const { topic, partition } = p.split;
      out.push({ splitId: p.split.splitId, state: { topic, partition, offset: p.offset, fetched: p.fetchOffset, ...(p.stop !== undefined ? { stoppingOffset: p.stop } : {}), finished: p.finished } });
    }
    return out.sort((a, b) => (a.state.topic < b.state.topic ? -1 : a.state.topic > b.state.topic ? 1 : a.state.partition - b.state.partition));
  }

  snapshotState(checkpointId: number): KafkaPartitionSplit[] {
    const splits: KafkaPartitionSplit[] = [];
    const offsets: { topic: string; partition: number; offset: number }[] = [];
    for (const p of this.partitions.values()) {
      splits.push({ ...p.split, startingOffset: p.offset });
      offsets.push({ topic: p.split.topic, partition: p.split.partition, offset: p.offset });
    }
    if (this.settings.groupId !== undefined && this.settings.commitOffsetsOnCheckpoint) {
      this.toCommit.set(checkpointId, offsets);
      // Only the newest few matter; aborted checkpoints must not pile up.
      for (const id of this.toCommit.keys()) if (id < checkpointId - 10) this.toCommit.delete(id);
    }
    return splits;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const offsets = this.toCommit.get(checkpointId);
    if (offsets === undefined) return;
    for (const id of this.toCommit.keys()) if (id <= checkpointId) this.toCommit.delete(id);
    // For monitoring only: a failed commit does not fail the job (Flink logs it too).
    this.client.commitOffsets(this.settings.groupId!, offsets).then(
      () => void this.own.commitsSucceeded++,
      () => {
        this.counters.offsetCommitFailures++;
        this.own.commitsFailed++;
      },
    );
  }

  metrics(): KafkaReaderMetrics {
    const own = this.own;
    return {
      numRecordsInErrors: own.errors,
      "KafkaSourceReader.deadLetters": own.deadLetters,
      "KafkaSourceReader.commitsSucceeded": own.commitsSucceeded,
      "KafkaSourceReader.commitsFailed": own.commitsFailed,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeLoop();
    await this.loop?.catch(() => {});
    await Promise.allSettled([...this.inFlight]);
  }

  private wakeReader(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  private wakeLoop(): void {
    const w = this.loopWake;
    this.loopWake = undefined;
    w?.();
  }

  /** The fetch loop: keeps one Fetch in flight per leader broker while the buffer has room. */
  private async run(): Promise<void> {
    while (!this.closed && this.failure === undefined) {
      const wake = new Promise<void>((resolve) => (this.loopWake = resolve));
      if (this.buffered < this.settings.maxBufferedRecords) {
        const idle = [...this.partitions.values()].filter((p) => !p.finished && !p.inFlight && (p.stop === undefined || p.fetchOffset < p.stop));
        if (idle.length > 0) {
          try {
            const leaders = await this.client.leaders(idle.map((p) => p.split));
            this.failures.delete(-1);
            let launched = 0;
            for (const [leader, tps] of leaders) {
              const states = tps.map((tp) => this.partitions.get(`${tp.topic}:${tp.partition}`)!);
              launched++;
              this.launch(leader, states);
            }
            if (launched === 0) await this.backoff(-1, new Error(`no leader known for ${idle.map((p) => p.split.splitId).join(", ")}`));
          } catch (e) {
            await this.backoff(-1, e);
          }
        }
      }
      await Promise.race([wake, ...this.inFlight]);
    }
  }

  private launch(leader: number, states: PartitionState[]): void {
    for (const s of states) s.inFlight = true;
    const positions = states.map((s) => ({ topic: s.split.topic, partition: s.split.partition, offset: s.fetchOffset }));
    const p: Promise<void> = this.client
      .fetch(leader, positions, this.settings.fetch)
      .then(
        (results) => {
          this.failures.delete(leader);
          this.accept(results);
        },
        (e) => this.onFetchError(leader, states, e),
      )
      .finally(() => {
        for (const s of states) s.inFlight = false;
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  private accept(results: FetchedPartition[]): void {
    let added = false;
    for (const r of results) {
      const state = this.partitions.get(`${r.topic}:${r.partition}`);
      if (state === undefined || this.closed) continue;
      state.fetchOffset = Math.max(state.fetchOffset, r.nextOffset);
      if (r.records.length > 0 || r.nextOffset > state.offset) {
        this.chunks.push({ state, records: r.records, index: 0, nextOffset: r.nextOffset });
        this.buffered += r.records.length;
        added = true;
      }
    }
    if (added) this.wakeReader();
  }

  private async onFetchError(leader: number, states: PartitionState[], e: unknown): Promise<void> {
    const err = e as { name?: string; topic?: string; partition?: number };
    if (err.name === "KafkaJSOffsetOutOfRange" && err.topic !== undefined) {
      // The position left the log (retention): start again at the earliest offset.
      const state = states.find((s) => s.split.topic === err.topic && s.split.partition === err.partition);
      if (state !== undefined) {
        const offsets = await this.client.listOffsets([state.split], "earliest").catch(() => undefined);
        const earliest = offsets?.get(state.split.splitId);
        if (earliest !== undefined) state.fetchOffset = state.offset = earliest;
      }
      return;
    }
    await this.backoff(leader, e);
  }

  /** Counts a failure; after `retries` in a row the reader fails with a clear error. */
  private async backoff(leader: number, e: unknown): Promise<void> {
    const n = (this.failures.get(leader) ?? 0) + 1;
    this.failures.set(leader, n);
    if (n > this.settings.retries) {
      this.failure = new EddyError(
        `[eddy] Kafka source "${this.settings.name}" (subtask ${this.context.subtaskIndex}): fetching from ${leader >= 0 ? `broker ${leader}` : this.settings.bootstrap.join(",")} failed ${n} times in a row: ${describeError(e)}`,
        { code: "KAFKA_UNREACHABLE", domain: "external", retryable: true, operator: this.settings.name, cause: e },
      );
      this.wakeReader();
      return;
    }
    await this.client.refreshMetadata().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, Math.min(this.settings.retryBackoffMs * 2 ** (n - 1), 2_000)));
  }
}
