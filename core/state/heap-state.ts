/**
 * Storage shared by the heap state kinds: one table per named state, laid out namespace first
 * (`Map<namespace, Map<key, stored>>`: few windows, many keys), and the base class that scopes
 * reads and writes to the backend's current key and the state's current namespace.
 */
import type { InternalKvState, Key, Namespace, StateDescriptor } from "./types.ts";
import { VOID_NAMESPACE } from "./types.ts";
import type { TtlPolicy } from "./ttl.ts";

/** The state kinds, as in {@link StateDescriptor.kind}. */
export type StateKind = StateDescriptor<unknown>["kind"];

/** Holds the backend's current key; states read it on every access. */
export interface CurrentKeyHolder {
  currentKey: Key;
}

/** All entries of one named state. `ttl` says whether stored values carry TTL timestamps. */
export class StateTable {
  readonly namespaces = new Map<Namespace, Map<Key, unknown>>();
  constructor(
    readonly name: string,
    readonly kind: StateKind,
    readonly ttl: boolean,
  ) {}

  /** Number of (key, namespace) entries. */
  size(): number {
    let n = 0;
    for (const keys of this.namespaces.values()) n += keys.size;
    return n;
  }
}

/**
 * How one state kind turns a stored value into snapshot data and back, and drops expired parts.
 * `encode` and `prune` return undefined when nothing unexpired is left.
 */
export interface StoredCodec {
  encode(stored: unknown, ttl: boolean, policy: TtlPolicy | undefined, now: number): unknown;
  decode(encoded: unknown, ttl: boolean): unknown;
  prune(stored: unknown, policy: TtlPolicy, now: number): unknown;
}

/** Base of every heap state: current-namespace scoping, storage access, TTL cleanup, merging. */
export abstract class AbstractHeapState<S> implements InternalKvState {
  protected namespace: Namespace = VOID_NAMESPACE;
  /** `table.namespaces.get(namespace)`, cached: most records stay in one namespace. */
  protected current: Map<Key, unknown> | undefined;
  private nsCursor: Iterator<[Namespace, Map<Key, unknown>]> | undefined;
  private keyCursor: Iterator<[Key, unknown]> | undefined;
  private cursorNs: Namespace = VOID_NAMESPACE;
  private cursorMap: Map<Key, unknown> | undefined;

  constructor(
    protected readonly backend: CurrentKeyHolder,
    readonly table: StateTable,
    protected readonly ttl: TtlPolicy | undefined,
    protected readonly codec: StoredCodec,
  ) {
    this.current = table.namespaces.get(VOID_NAMESPACE);
  }

  setCurrentNamespace(namespace: Namespace): void {
    if (namespace !== this.namespace) {
      this.namespace = namespace;
      this.current = this.table.namespaces.get(namespace);
    }
  }

  /** Re-reads the cached namespace map after the table changed underneath (restore, cleanup). */
  refresh(): void {
    this.current = this.table.namespaces.get(this.namespace);
  }

  clear(): void {
    this.removeStored();
  }

  protected getStored(): S | undefined {
    const m = this.current;
    return m === undefined ? undefined : (m.get(this.backend.currentKey) as S | undefined);
  }

  protected putStored(stored: S): void {
    let m = this.current;
    if (m === undefined) {
      m = new Map();
      this.table.namespaces.set(this.namespace, m);
      this.current = m;
    }
    m.set(this.backend.currentKey, stored);
  }

  protected removeStored(): void {
    const m = this.current;
    if (m !== undefined && m.delete(this.backend.currentKey) && m.size === 0) {
      // Drop empty namespaces so fired windows leave nothing behind.
      this.table.namespaces.delete(this.namespace);
      this.current = undefined;
    }
  }

  /** Checks a few entries for expiry, resuming where the last call stopped (Flink's incremental cleanup). */
  protected cleanupIncrementally(now: number): void {
    const policy = this.ttl!;
    let budget = policy.incrementalCleanupSize;
    if (budget === 0) return;
    let wrapped = false;
    while (budget > 0) {
      if (this.keyCursor === undefined) {
        this.nsCursor ??= this.table.namespaces.entries();
        const n = this.nsCursor.next();
        if (n.done) {
          this.nsCursor = undefined;
          if (wrapped) break;
          wrapped = true;
          continue;
        }
        this.cursorNs = n.value[0];
        this.cursorMap = n.value[1];
        this.keyCursor = this.cursorMap.entries();
      }
      const e = this.keyCursor.next();
      if (e.done) {
        this.keyCursor = undefined;
        continue;
      }
      budget--;
      if (this.codec.prune(e.value[1], policy, now) === undefined) {
        const map = this.cursorMap!;
        map.delete(e.value[0]);
        if (map.size === 0 && this.table.namespaces.get(this.cursorNs) === map) {
          this.table.namespaces.delete(this.cursorNs);
        }
      }
    }
    this.refresh();
  }

  /** Merges the current key's state in `sources` into `target` (merging windows). */
  protected mergeInto(target: Namespace, sources: readonly Namespace[], merge: (a: S, b: S) => S): void {
    const key = this.backend.currentKey;
    const namespaces = this.table.namespaces;
    let merged: S | undefined;
    for (const source of sources) {
      if (source === target) continue;
      const m = namespaces.get(source);
      if (m === undefined) continue;
      const s = m.get(key) as S | undefined;
      if (s === undefined) continue;
      m.delete(key);
      if (m.size === 0) namespaces.delete(source);
      merged = merged === undefined ? s : merge(merged, s);
    }
    if (merged !== undefined) {
      let t = namespaces.get(target);
      if (t === undefined) {
        t = new Map();
        namespaces.set(target, t);
      }
      const old = t.get(key) as S | undefined;
      t.set(key, old === undefined ? merged : merge(old, merged));
    }
    this.refresh();
  }
}
