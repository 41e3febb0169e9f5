/**
 * Tracks the in-flight windows of one key for a merging assigner, and which "state window"
 * holds each one's contents, so that merging windows never copies state (Flink's MergingWindowSet).
 */
import { EddyError } from "../errors.ts";
import type { ValueState } from "../state/types.ts";
import type { MergingWindowAssigner } from "./window-assigner.ts";
import { TimeWindow, type Window } from "./time-window.ts";

/** Told about every merge: the result, the windows merged into it, and the state windows to fold. */
export type MergeFunction<W> = (
  mergeResult: W,
  mergedWindows: readonly W[],
  stateWindowResult: W,
  mergedStateWindows: readonly W[],
) => void;

// Merging assigners produce TimeWindows (as in Flink); windows are compared by start and end.
function same(a: Window, b: Window): boolean {
  return (a as TimeWindow).start === (b as TimeWindow).start && (a as TimeWindow).end === (b as TimeWindow).end;
}

function span(w: Window): TimeWindow {
  return w as TimeWindow;
}

/**
 * The windows of the current key, read from and written back to a value state holding
 * `[start, end, stateStart, stateEnd, ...]` (a key rarely has more than a few sessions in flight,
 * so plain arrays beat maps here).
 */
export class MergingWindowSet<T, W extends Window> {
  private readonly assigner: MergingWindowAssigner<T, W>;
  private readonly state: ValueState<number[]>;
  private readonly windowList: W[] = [];
  private readonly stateWindowList: W[] = [];
  private dirty = false;

  constructor(assigner: MergingWindowAssigner<T, W>, state: ValueState<number[]>) {
    this.assigner = assigner;
    this.state = state;
    const persisted = state.value();
    if (persisted !== undefined) {
      for (let i = 0; i < persisted.length; i += 4) {
        const window = new TimeWindow(persisted[i]!, persisted[i + 1]!) as unknown as W;
        this.windowList.push(window);
        this.stateWindowList.push(
          persisted[i] === persisted[i + 2] && persisted[i + 1] === persisted[i + 3]
            ? window
            : (new TimeWindow(persisted[i + 2]!, persisted[i + 3]!) as unknown as W),
        );
      }
    }
  }

  private indexOf(window: W): number {
    const list = this.windowList;
    for (let i = 0; i < list.length; i++) if (same(list[i]!, window)) return i;
    return -1;
  }

  private remove(index: number): void {
    this.windowList.splice(index, 1);
    this.stateWindowList.splice(index, 1);
    this.dirty = true;
  }

  /** The state window that holds `window`'s contents, or undefined if `window` is not in flight. */
  getStateWindow(window: W): W | undefined {
    const i = this.indexOf(window);
    return i < 0 ? undefined : this.stateWindowList[i];
  }

  /** Forgets `window` (it was cleaned up or is late). */
  retireWindow(window: W): void {
    const i = this.indexOf(window);
    if (i < 0) {
      throw new EddyError(`[eddy] MergingWindowSet: window ${String(window)} is not in the in-flight window set`, {
        code: "ILLEGAL_STATE",
      });
    }
    this.remove(i);
  }

  /**
   * Adds `newWindow`, merging it with in-flight windows; calls `mergeFunction` for each merge
   * that changes a window. Returns the window `newWindow` ended up in.
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const windows = this.windowList.slice();
    windows.push(newWindow);
    const mergeResults: [W, W[]][] = [];
    this.assigner.mergeWindows(windows, (toBeMerged, mergeResult) => {
      mergeResults.push([mergeResult, toBeMerged]);
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, toBeMerged] of mergeResults) {
      const mergedWindows = toBeMerged.filter((w) => !same(w, newWindow));
      if (mergedWindows.length !== toBeMerged.length) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // The merge result keeps the state window of one of the windows merged into it.
      const stateWindowResult = this.getStateWindow(mergedWindows[0]!)!;
      const mergedStateWindows: W[] = [];
      for (const merged of mergedWindows) {
        const i = this.indexOf(merged);
        if (i < 0) continue;
        const stateWindow = this.stateWindowList[i]!;
        this.remove(i);
        if (!same(stateWindow, stateWindowResult)) mergedStateWindows.push(stateWindow);
      }
      this.windowList.push(mergeResult);
      this.stateWindowList.push(stateWindowResult);
      // Merging the new window into an in-flight window that it does not extend changes nothing.
      if (!(mergedWindows.length === 1 && same(mergedWindows[0]!, mergeResult))) {
        mergeFunction(mergeResult, mergedWindows, stateWindowResult, mergedStateWindows);
      }
    }
    if (mergeResults.length === 0 || (resultWindow === newWindow && !mergedNewWindow)) {
      const i = this.indexOf(resultWindow);
      if (i >= 0) this.remove(i);
      this.windowList.push(resultWindow);
      this.stateWindowList.push(resultWindow);
      this.dirty = true;
    }
    return resultWindow;
  }

  /** Writes the windows back to state if they changed. */
  persist(): void {
    if (!this.dirty) return;
    this.dirty = false;
    if (this.windowList.length === 0) {
      this.state.clear();
      return;
    }
    const flat: number[] = [];
    for (let i = 0; i < this.windowList.length; i++) {
      const w = span(this.windowList[i]!);
      const s = span(this.stateWindowList[i]!);
      flat.push(w.start, w.end, s.start, s.end);
    }
    this.state.update(flat);
  }

  /** The in-flight windows (for tests and debugging). */
  windows(): W[] {
    return this.windowList.slice();
  }
}
