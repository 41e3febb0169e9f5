/**
 * Operator (non-keyed) list state (Flink's OperatorStateStore with even-split redistribution):
 * on restore, the lists of every old subtask are concatenated and dealt round-robin to the new
 * subtasks.
 */
import type { OperatorStateStore } from "../runtime/operator.ts";
import type { OperatorStateSnapshot } from "../checkpoint/types.ts";

/** A list of values that belongs to one operator subtask. */
export interface OperatorListState<T> {
  get(): T[];
  update(values: T[]): void;
  add(value: T): void;
  clear(): void;
}

/** In-memory {@link OperatorStateStore}. */
export class HeapOperatorStateStore implements OperatorStateStore {
  private readonly lists = new Map<string, unknown[]>();

  getListState<T>(name: string): OperatorListState<T> {
    const lists = this.lists;
    if (!lists.has(name)) lists.set(name, []);
    return {
      get: () => (lists.get(name) as T[]).slice(),
      update: (values) => void lists.set(name, values.slice()),
      add: (value) => void (lists.get(name) as T[]).push(value),
      clear: () => void lists.set(name, []),
    };
  }

  /** Copies every list. */
  snapshot(): OperatorStateSnapshot {
    const out: Record<string, unknown[]> = {};
    for (const [name, values] of this.lists) out[name] = values.slice();
    return out;
  }

  /**
   * Takes this subtask's share of the old subtasks' lists. At unchanged parallelism each subtask
   * gets its own lists back; otherwise all lists are concatenated (in old subtask order) and
   * element i goes to subtask i % parallelism.
   */
  restore(snapshots: readonly RestoredOperatorState[], subtaskIndex: number, parallelism: number): void {
    const sorted = [...snapshots].sort((a, b) => a.subtaskIndex - b.subtaskIndex);
    if (sorted.length > 0 && sorted.every((s) => s.parallelism === parallelism)) {
      const own = sorted.find((s) => s.subtaskIndex === subtaskIndex);
      for (const [name, values] of Object.entries(own?.operatorState ?? {})) this.lists.set(name, values.slice());
      return;
    }
    const all = new Map<string, unknown[]>();
    for (const snapshot of sorted) {
      for (const [name, values] of Object.entries(snapshot.operatorState ?? {})) {
        let list = all.get(name);
        if (list === undefined) all.set(name, (list = []));
        for (const v of values) list.push(v);
      }
    }
    for (const [name, values] of all) {
      const mine: unknown[] = [];
      for (let i = subtaskIndex; i < values.length; i += parallelism) mine.push(values[i]);
      this.lists.set(name, mine);
    }
  }
}

/** The part of an old subtask's snapshot that operator state restores from. */
export interface RestoredOperatorState {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly operatorState?: OperatorStateSnapshot;
}
