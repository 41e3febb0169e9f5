/**
 * KafkaSource's split enumerator: Eddy's own partition discovery loop (kafkajs does not
 * rebalance when partitions are added). Every `partition.discovery.interval.ms` it asks the
 * brokers for the partitions of the subscribed topics (a list, or every topic matching a
 * RegExp), resolves starting offsets of the new ones (the configured initializer on the first
 * discovery, earliest afterwards) and assigns each to its owner reader (Flink's rule: topic
 * hash + partition, modulo parallelism). Discovered and assigned partitions are its checkpoint
 * state.
 */
import type { SplitEnumerator, SplitEnumeratorContext } from "../../core/index.ts";
import { EddyError, describeError } from "../../core/errors.ts";
import type { KafkaClient, TopicPartition } from "./client.ts";
import { tpKey } from "./client.ts";
import type { OffsetsInitializer } from "./offsets-initializer.ts";

/** One partition as a split: where to read from, and where to stop in bounded mode. */
export interface KafkaPartitionSplit {
  readonly splitId: string;
  readonly topic: string;
  readonly partition: number;
  /** Next offset to read. */
  readonly startingOffset: number;
  /** Bounded mode: the first offset not to read. */
  readonly stoppingOffset?: number;
}

/** The enumerator's checkpoint state. */
export interface KafkaEnumeratorState {
  /** Splits handed to readers, by split id, with the subtask that owns each. */
  readonly assigned: readonly { readonly splitId: string; readonly owner: number }[];
  /** Discovered but not yet handed out. */
  readonly pending: readonly KafkaPartitionSplit[];
  readonly initialDiscoveryDone: boolean;
}

/** What the enumerator exposes as metrics (see KafkaSource.discoveryState). */
export interface DiscoveryState {
  /** Every partition known to the enumerator (`topic:partition`), sorted. */
  readonly discoveredPartitions: string[];
  /** Partitions per reader subtask. */
  readonly assignedPartitions: Record<number, string[]>;
  readonly discoveryRuns: number;
  readonly lastDiscoveryAt: number | undefined;
}

/** Discovery as {@link KafkaSourceEnumerator.describeDiscovery} reports it. */
export interface DiscoveryDescription {
  /** Whether discovery runs periodically (unbounded, with an interval > 0). */
  readonly enabled: boolean;
  readonly intervalMs?: number;
  readonly lastDiscoveryTime?: number;
  readonly runs: number;
  /** Topics with known partitions, sorted. */
  readonly topics: string[];
  readonly topicPattern?: string;
  /** Partitions discovered but not yet assigned (their reader is not registered). */
  readonly pending: string[];
}

/** Settings the enumerator needs. */
export interface EnumeratorSettings {
  readonly name: string;
  readonly topics: readonly string[] | undefined;
  readonly pattern: RegExp | undefined;
  readonly startingOffsets: OffsetsInitializer;
  readonly bounded: OffsetsInitializer | undefined;
  readonly groupId: string | undefined;
  readonly discoveryIntervalMs: number;
  readonly bootstrap: readonly string[];
}

/** Java's String.hashCode, so partitions land on the same subtasks as in Flink. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The reader subtask that owns a partition (Flink's KafkaSourceEnumerator.getSplitOwner). */
export function splitOwner(tp: TopicPartition, parallelism: number): number {
  const start = (Math.imul(javaHash(tp.topic), 31) & 0x7fffffff) % parallelism;
  return (start + tp.partition) % parallelism;
}

export class KafkaSourceEnumerator implements SplitEnumerator<KafkaPartitionSplit, KafkaEnumeratorState> {
  private readonly assigned = new Map<string, number>();
  private pending: KafkaPartitionSplit[];
  private initialDiscoveryDone: boolean;
  private runs = 0;
  private lastRun: number | undefined;
  /** Discovery has run in this attempt (a bounded source's readers then hear that no more splits come). */
  private discovered = false;
  /** Readers told that no more splits come (bounded sources). */
  private readonly toldNoMoreSplits = new Set<number>();

  constructor(
    private readonly context: SplitEnumeratorContext<KafkaPartitionSplit>,
    private readonly client: KafkaClient,
    private readonly settings: EnumeratorSettings,
    restored: KafkaEnumeratorState | undefined,
    private readonly onClose: () => Promise<void>,
  ) {
    for (const a of restored?.assigned ?? []) this.assigned.set(a.splitId, a.owner);
    this.pending = [...(restored?.pending ?? [])];
    this.initialDiscoveryDone = restored?.initialDiscoveryDone ?? false;
  }

  start(): void {
    const periodic = this.settings.bounded === undefined && this.settings.discoveryIntervalMs > 0;
    this.context.callAsync(
      () => this.discover(),
      (splits, error) => this.handleDiscovery(splits, error),
      0,
      periodic ? this.settings.discoveryIntervalMs : 0,
    );
  }

  /** Runs outside the coordinator's thread of control: only reads settings and known ids. */
  private async discover(): Promise<KafkaPartitionSplit[]> {
    const { topics, pattern } = this.settings;
    let counts: Map<string, number>;
    try {
      counts = await this.client.describeTopics(topics);
    } catch (e) {
      // A broker that never answered is not retried: the cause names it and the time waited.
      const timedOut = e instanceof EddyError && e.code === "KAFKA_TIMEOUT";
      throw new EddyError(
        `[eddy] Kafka source "${this.settings.name}": could not list the partitions of ${topics !== undefined ? `topics [${topics.join(", ")}]` : `topics matching ${String(pattern)}`} from ${this.settings.bootstrap.join(",")}${timedOut ? "" : " (after the configured retries)"}: ${describeError(e).replace(/^\[eddy\] /, "")}`,
        { code: "KAFKA_UNREACHABLE", domain: "external", retryable: true, operator: this.settings.name, cause: e },
      );
    }
    const known = new Set([...this.assigned.keys(), ...this.pending.map((p) => p.splitId)]);
    const fresh: TopicPartition[] = [];
    for (const [topic, n] of counts) {
      if (pattern !== undefined && !matches(pattern, topic)) continue;
      for (let partition = 0; partition < n; partition++) if (!known.has(tpKey(topic, partition))) fresh.push({ topic, partition });
    }
    if (fresh.length === 0) return [];
    // Partitions found after the first discovery existed after the job started: read them whole.
    const initializer = this.initialDiscoveryDone ? undefined : this.settings.startingOffsets;
    const starts = initializer === undefined ? await this.client.listOffsets(fresh, "earliest") : await initializer.resolve(this.client, fresh, this.settings.groupId);
    const stops = this.settings.bounded === undefined ? undefined : await this.settings.bounded.resolve(this.client, fresh, this.settings.groupId);
    return fresh.map((tp) => {
      const key = tpKey(tp.topic, tp.partition);
      const stop = stops?.get(key);
      return { splitId: key, topic: tp.topic, partition: tp.partition, startingOffset: starts.get(key) ?? 0, ...(stop !== undefined ? { stoppingOffset: stop } : {}) };
    });
  }

  private handleDiscovery(splits: KafkaPartitionSplit[] | undefined, error: unknown): void {
    if (error !== undefined) throw error;
    this.runs++;
    this.lastRun = this.context.currentTime();
    this.initialDiscoveryDone = true;
    this.discovered = true;
    const known = new Set([...this.assigned.keys(), ...this.pending.map((p) => p.splitId)]);
    for (const s of splits ?? []) if (!known.has(s.splitId)) this.pending.push(s);
    this.assignPending();
  }

  private assignPending(): void {
    const registered = new Set(this.context.registeredReaders());
    const assignment = new Map<number, KafkaPartitionSplit[]>();
    const keep: KafkaPartitionSplit[] = [];
    for (const s of this.pending) {
      const owner = splitOwner(s, this.context.parallelism);
      if (!registered.has(owner)) {
        keep.push(s);
        continue;
      }
      let list = assignment.get(owner);
      if (list === undefined) assignment.set(owner, (list = []));
      list.push(s);
      this.assigned.set(s.splitId, owner);
    }
    this.pending = keep;
    // Readers with nothing new still hear that discovery ran (an empty list): a reader with no
    // partitions may only then call itself idle.
    for (const r of registered) if (!assignment.has(r)) assignment.set(r, []);
    this.context.assignSplits(assignment);
    // As Flink's: a bounded source's reader hears that no more splits come only once it is
    // registered and has its splits. A reader that registers later (on a TaskManager that is still
    // building the job) would otherwise end before its splits arrive.
    if (this.settings.bounded === undefined || !this.discovered) return;
    for (const r of registered) {
      if (this.toldNoMoreSplits.has(r)) continue;
      this.toldNoMoreSplits.add(r);
      this.context.signalNoMoreSplits(r);
    }
  }

  addReader(): void {
    if (this.initialDiscoveryDone) this.assignPending();
  }

  addSplitsBack(splits: KafkaPartitionSplit[]): void {
    for (const s of splits) {
      this.assigned.delete(s.splitId);
      this.pending.push(s);
    }
    this.assignPending();
  }

  snapshotState(): KafkaEnumeratorState {
    return {
      assigned: [...this.assigned].map(([splitId, owner]) => ({ splitId, owner })),
      pending: this.pending.map((p) => ({ ...p })),
      initialDiscoveryDone: this.initialDiscoveryDone,
    };
  }

  /** Metrics: what is discovered and where it went. */
  state(): DiscoveryState {
    const assignedPartitions: Record<number, string[]> = {};
    for (const [id, owner] of this.assigned) (assignedPartitions[owner] ??= []).push(id);
    for (const list of Object.values(assignedPartitions)) list.sort();
    return {
      discoveredPartitions: [...this.assigned.keys(), ...this.pending.map((p) => p.splitId)].sort(),
      assignedPartitions,
      discoveryRuns: this.runs,
      lastDiscoveryAt: this.lastRun,
    };
  }

  /**
   * Discovery as the REST API's partitions endpoint reports it: whether it runs periodically,
   * how often, when it last ran (`context.currentTime()`), which topics it has found and which
   * partitions wait for their reader.
   */
  describeDiscovery(): DiscoveryDescription {
    const periodic = this.settings.bounded === undefined && this.settings.discoveryIntervalMs > 0;
    const topics = new Set<string>();
    for (const id of this.assigned.keys()) topics.add(id.slice(0, id.lastIndexOf(":")));
    for (const p of this.pending) topics.add(p.topic);
    const pattern = this.settings.pattern;
    return {
      enabled: periodic,
      ...(periodic ? { intervalMs: this.settings.discoveryIntervalMs } : {}),
      ...(this.lastRun !== undefined ? { lastDiscoveryTime: this.lastRun } : {}),
      runs: this.runs,
      topics: [...topics].sort(),
      ...(pattern !== undefined ? { topicPattern: pattern.source } : {}),
      pending: this.pending.map((p) => p.splitId).sort(),
    };
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

function matches(pattern: RegExp, topic: string): boolean {
  // A global or sticky RegExp keeps lastIndex between calls; match the whole name, as Java does.
  pattern.lastIndex = 0;
  const m = pattern.exec(topic);
  return m !== null && m.index === 0 && m[0].length === topic.length;
}
