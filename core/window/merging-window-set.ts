/**
 * Tracks the in-flight windows of one key for a merging assigner, and which "state window"
 * holds each one's contents, so that merging windows never copies state (Flink's MergingWindowSet).
 */
import { EddyError } from "../errors.ts";
import type { Namespace, ValueState } from "../state/types.ts";
import type { MergingWindowAssigner } from "./window-assigner.ts";
import type { Window } from "./time-window.ts";

/** Told about every merge: the result, the windows merged into it, and the state windows to fold. */
export type MergeFunction<W> = (
  mergeResult: W,
  mergedWindows: readonly W[],
  stateWindowResult: W,
  mergedStateWindows: readonly W[],
) => void;

interface Entry<W> {
  readonly window: W;
  readonly stateWindow: W;
}

/**
 * The windows of the current key, read from and written back to a value state of
 * `[windowNamespace, stateWindowNamespace, ...]` pairs.
 */
export class MergingWindowSet<T, W extends Window> {
  private readonly assigner: MergingWindowAssigner<T, W>;
  private readonly state: ValueState<Namespace[]>;
  private readonly mapping = new Map<Namespace, Entry<W>>();
  private dirty = false;

  constructor(assigner: MergingWindowAssigner<T, W>, state: ValueState<Namespace[]>) {
    this.assigner = assigner;
    this.state = state;
    const persisted = state.value();
    if (persisted !== undefined) {
      for (let i = 0; i < persisted.length; i += 2) {
        this.mapping.set(persisted[i]!, {
          window: assigner.windowOf(persisted[i]!),
          stateWindow: assigner.windowOf(persisted[i + 1]!),
        });
      }
    }
  }

  /** The state window that holds `window`'s contents, or undefined if `window` is not in flight. */
  getStateWindow(window: W): W | undefined {
    return this.mapping.get(this.assigner.namespaceOf(window))?.stateWindow;
  }

  /** Forgets `window` (it was cleaned up or is late). */
  retireWindow(window: W): void {
    if (!this.mapping.delete(this.assigner.namespaceOf(window))) {
      throw new EddyError(`[eddy] MergingWindowSet: window ${String(window)} is not in the in-flight window set`, {
        code: "ILLEGAL_STATE",
      });
    }
    this.dirty = true;
  }

  /**
   * Adds `newWindow`, merging it with in-flight windows; calls `mergeFunction` for each merge
   * that changes a window. Returns the window `newWindow` ended up in.
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const ns = (w: W): Namespace => this.assigner.namespaceOf(w);
    const windows: W[] = [];
    for (const entry of this.mapping.values()) windows.push(entry.window);
    windows.push(newWindow);
    const mergeResults: [W, W[]][] = [];
    this.assigner.mergeWindows(windows, (toBeMerged, mergeResult) => {
      mergeResults.push([mergeResult, toBeMerged]);
    });

    const newNs = ns(newWindow);
    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, toBeMerged] of mergeResults) {
      const mergeResultNs = ns(mergeResult);
      const mergedWindows = toBeMerged.filter((w) => ns(w) !== newNs);
      if (mergedWindows.length !== toBeMerged.length) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // The merge result keeps the state window of one of the windows merged into it.
      const stateWindowResult = this.mapping.get(ns(mergedWindows[0]!))!.stateWindow;
      const mergedStateWindows: W[] = [];
      for (const merged of mergedWindows) {
        const key = ns(merged);
        const entry = this.mapping.get(key);
        if (entry !== undefined) {
          this.mapping.delete(key);
          if (ns(entry.stateWindow) !== ns(stateWindowResult)) mergedStateWindows.push(entry.stateWindow);
        }
      }
      this.mapping.set(mergeResultNs, { window: mergeResult, stateWindow: stateWindowResult });
      this.dirty = true;
      // Merging the new window into an in-flight window that it does not extend changes nothing.
      if (!(mergedWindows.length === 1 && ns(mergedWindows[0]!) === mergeResultNs)) {
        mergeFunction(mergeResult, mergedWindows, stateWindowResult, mergedStateWindows);
      }
    }
    if (mergeResults.length === 0 || (resultWindow === newWindow && !mergedNewWindow)) {
      this.mapping.set(newNs, { window: resultWindow, stateWindow: resultWindow });
      this.dirty = true;
    }
    return resultWindow;
  }

  /** Writes the mapping back to state if it changed. */
  persist(): void {
    if (!this.dirty) return;
    this.dirty = false;
    if (this.mapping.size === 0) {
      this.state.clear();
      return;
    }
    const flat: Namespace[] = [];
    for (const [key, entry] of this.mapping) flat.push(key, this.assigner.namespaceOf(entry.stateWindow));
    this.state.update(flat);
  }

  /** The in-flight windows (for tests and debugging). */
  windows(): W[] {
    return [...this.mapping.values()].map((e) => e.window);
  }
}
