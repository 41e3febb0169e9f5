/**
 * The in-memory keyed state backend (Flink's HeapKeyedStateBackend). Key groups are computed
 * only when a snapshot is written; the per-record path is a field write (`setCurrentKey`) and
 * one or two Map operations per state access.
 */
import { EddyError } from "../errors.ts";
import type { Clock } from "../time/types.ts";
import { HeapAggregatingState } from "./heap-aggregating-state.ts";
import { HeapListState, listCodec } from "./heap-list-state.ts";
import { HeapMapState, mapCodec } from "./heap-map-state.ts";
import { HeapReducingState } from "./heap-reducing-state.ts";
import { type AbstractHeapState, type StateKind, StateTable, type StoredCodec } from "./heap-state.ts";
import { HeapValueState, singleValueCodec } from "./heap-value-state.ts";
import { type KeyGroupRange, checkParallelism, isValidKey, keyGroupFor } from "./key-groups.ts";
import { needsTags, parseState, stringifyState } from "./state-codec.ts";
import { TtlPolicy } from "./ttl.ts";
import type {
  AggregatingStateDescriptor,
  InternalKvState,
  Key,
  KeyedStateBackend,
  KeyedStateSnapshot,
  Namespace,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from "./types.ts";

/** Options for {@link HeapKeyedStateBackend}. */
export interface HeapKeyedStateBackendOptions {
  maxParallelism: number;
  /** Key groups this subtask owns (inclusive). Defaults to all of them. */
  keyGroupRange?: KeyGroupRange;
  /** Processing-time clock for TTL. */
  clock: Clock;
  /** Operator name, for error messages. */
  operator?: string;
}

const CODECS: Record<StateKind, StoredCodec> = {
  value: singleValueCodec,
  reducing: singleValueCodec,
  aggregating: singleValueCodec,
  list: listCodec,
  map: mapCodec,
};

/** Snapshot text of one key group: per state `[name, kind, ttl 0|1, [ns, key, value]...]`. */
/** One state's entries in one key group: name, kind, TTL flag, then namespace, key, value triples, flat. */
type StateSection = [string, StateKind, 0 | 1, ...unknown[]];

/** In-memory {@link KeyedStateBackend}. */
export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  /** The current key; public so that states read it without a call. Set it through {@link setCurrentKey}. */
  currentKey: Key = undefined as unknown as Key;
  private readonly clock: Clock;
  private readonly operator: string | undefined;
  private readonly tables = new Map<string, StateTable>();
  private readonly states = new Map<string, AbstractHeapState<unknown> & InternalKvState>();
  private readonly policies = new Map<string, TtlPolicy>();

  constructor(options: HeapKeyedStateBackendOptions) {
    checkParallelism(options.maxParallelism, 1);
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = options.keyGroupRange ?? { start: 0, end: options.maxParallelism - 1 };
    this.clock = options.clock;
    this.operator = options.operator;
  }

  setCurrentKey(key: Key): void {
    this.currentKey = key;
  }

  getCurrentKey(): Key {
    return this.currentKey;
  }

  getState<S>(descriptor: StateDescriptor<S>): S & InternalKvState {
    const name = descriptor.name;
    const existing = this.states.get(name);
    if (existing !== undefined) {
      this.checkKind(existing.table, descriptor);
      return existing as unknown as S & InternalKvState;
    }
    const ttl = descriptor.ttl === undefined ? undefined : new TtlPolicy(descriptor.ttl, this.clock, name);
    let table = this.tables.get(name);
    if (table === undefined) {
      table = new StateTable(name, descriptor.kind, ttl !== undefined);
      this.tables.set(name, table);
    } else {
      this.checkKind(table, descriptor);
      if (table.ttl !== (ttl !== undefined)) {
        throw this.error(
          `state "${name}" was restored ${table.ttl ? "with" : "without"} a TTL but is now declared ${ttl ? "with" : "without"} one: expected the same TTL setting as in the snapshot`,
          "STATE_INCOMPATIBLE",
        );
      }
    }
    const state = this.createState(descriptor, table, ttl);
    this.states.set(name, state);
    if (ttl !== undefined) this.policies.set(name, ttl);
    return state as unknown as S & InternalKvState;
  }

  private createState(
    descriptor: StateDescriptor<unknown>,
    table: StateTable,
    ttl: TtlPolicy | undefined,
  ): AbstractHeapState<unknown> & InternalKvState {
    switch (descriptor.kind) {
      case "value":
        return new HeapValueState(this, table, ttl, (descriptor as ValueStateDescriptor<unknown>).defaultValue);
      case "list":
        return new HeapListState(this, table, ttl) as unknown as AbstractHeapState<unknown>;
      case "map":
        return new HeapMapState(this, table, ttl) as unknown as AbstractHeapState<unknown>;
      case "reducing":
        return new HeapReducingState(this, table, ttl, (descriptor as ReducingStateDescriptor<unknown>).reduceFunction);
      case "aggregating":
        return new HeapAggregatingState(
          this,
          table,
          ttl,
          (descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction,
        );
      default:
        throw this.error(
          `state descriptor "${descriptor.name}" has kind ${String((descriptor as { kind: unknown }).kind)}: expected value, list, map, reducing or aggregating`,
          "INVALID_ARGUMENT",
        );
    }
  }

  private checkKind(table: StateTable, descriptor: StateDescriptor<unknown>): void {
    if (table.kind !== descriptor.kind) {
      throw this.error(
        `state "${descriptor.name}" is ${table.kind} state but was requested as ${descriptor.kind} state: expected one kind per state name`,
        "STATE_INCOMPATIBLE",
      );
    }
  }

  private error(message: string, code: string): EddyError {
    const where = this.operator === undefined ? "" : ` (operator "${this.operator}")`;
    return new EddyError(`[eddy] ${message}${where}`, { code, domain: "user", operator: this.operator, retryable: false });
  }

  keys(stateName: string, namespace: Namespace): Iterable<Key> {
    return this.tables.get(stateName)?.namespaces.get(namespace)?.keys() ?? [];
  }

  /** Namespaces that hold state under `stateName` (any key). */
  namespaces(stateName: string): Iterable<Namespace> {
    return this.tables.get(stateName)?.namespaces.keys() ?? [];
  }

  size(): number {
    let n = 0;
    for (const table of this.tables.values()) n += table.size();
    return n;
  }

  /** Removes every expired entry of every TTL state now; returns how many (key, namespace) entries went. */
  cleanupExpired(): number {
    const now = this.clock.now();
    let removed = 0;
    for (const [name, policy] of this.policies) {
      const table = this.tables.get(name)!;
      const codec = CODECS[table.kind];
      for (const [ns, keys] of table.namespaces) {
        for (const [key, stored] of keys) {
          if (codec.prune(stored, policy, now) === undefined) {
            keys.delete(key);
            removed++;
          }
        }
        if (keys.size === 0) table.namespaces.delete(ns);
      }
      this.states.get(name)!.refresh();
    }
    return removed;
  }

  snapshot(): KeyedStateSnapshot {
    const now = this.clock.now();
    const maxParallelism = this.maxParallelism;
    const groups = new Map<number, StateSection[]>();
    /** Key groups whose values need the tagging encoder. */
    const tagged = new Set<number>();
    for (const table of this.tables.values()) {
      const codec = CODECS[table.kind];
      const policy = this.policies.get(table.name);
      const ttlFlag = table.ttl ? 1 : 0;
      const sections = new Map<number, StateSection>();
      for (const [ns, keys] of table.namespaces) {
        const nsTagged = needsTags(ns);
        for (const [key, stored] of keys) {
          // Flink's cleanupFullSnapshot: expired entries are not written.
          const encoded = codec.encode(stored, table.ttl, policy, now);
          if (encoded === undefined) continue;
          if (!isValidKey(key)) throw this.noKeyError(table.name);
          const group = keyGroupFor(key, maxParallelism);
          let section = sections.get(group);
          if (section === undefined) {
            section = [table.name, table.kind, ttlFlag];
            sections.set(group, section);
            let list = groups.get(group);
            if (list === undefined) groups.set(group, (list = []));
            list.push(section);
          }
          if (nsTagged || typeof key === "bigint" || needsTags(encoded) || (typeof key === "number" && !Number.isFinite(key))) {
            tagged.add(group);
          }
          // Flat triples: no array per entry (a snapshot of a million entries allocates none).
          section.push(ns, key, encoded);
        }
      }
    }
    const keyGroups = new Map<number, string>();
    for (const [group, sections] of groups) keyGroups.set(group, stringifyState(sections, !tagged.has(group)));
    return { maxParallelism, keyGroups };
  }

  private noKeyError(stateName: string): EddyError {
    return this.error(
      `keyed state "${stateName}" was written while no key was set (outside processElement and timer callbacks): expected keyed state to be used only with a current key`,
      "NO_CURRENT_KEY",
    );
  }

  restore(snapshots: readonly KeyedStateSnapshot[]): void {
    const { start, end } = this.keyGroupRange;
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw this.error(
          `keyed state was snapshotted with maxParallelism ${snapshot.maxParallelism} but is restored with ${this.maxParallelism}: expected the same maxParallelism (it fixes the key groups)`,
          "STATE_INCOMPATIBLE",
        );
      }
      for (const [group, text] of snapshot.keyGroups) {
        if (group < start || group > end) continue;
        for (const section of parseState(text) as StateSection[]) this.restoreSection(section);
      }
    }
    for (const state of this.states.values()) state.refresh();
  }

  private restoreSection(section: StateSection): void {
    const [name, kind, ttlFlag] = section;
    const ttl = ttlFlag === 1;
    let table = this.tables.get(name);
    if (table === undefined) {
      table = new StateTable(name, kind, ttl);
      this.tables.set(name, table);
    } else if (table.kind !== kind || table.ttl !== ttl) {
      throw this.error(
        `snapshot holds state "${name}" as ${kind}${ttl ? " with TTL" : ""} but it is registered as ${table.kind}${table.ttl ? " with TTL" : ""}: expected the same kind and TTL setting`,
        "STATE_INCOMPATIBLE",
      );
    }
    const codec = CODECS[kind];
    for (let i = 3; i + 2 < section.length; i += 3) {
      const namespace = section[i] as Namespace;
      const key = section[i + 1] as Key;
      const value = section[i + 2];
      let keys = table.namespaces.get(namespace);
      if (keys === undefined) table.namespaces.set(namespace, (keys = new Map()));
      keys.set(key, codec.decode(value, ttl));
    }
  }
}
