/**
 * Marks calls into user code so that a supervisor outside the isolate can stop one that runs past
 * its CPU budget (a worker TaskManager's supervisor terminates the worker and fails its tasks with
 * an error naming what was running). In one isolate there is no supervisor and no watch.
 */

/** Marks the user code running now. Calls nest: the innermost is what a budget names. */
export interface UserCodeWatch {
  /** A call to user code described by `what` starts (e.g. `component "upper" (world map-operator) in operator "Map"`). */
  enter(what: string): void;
  /** The innermost call returned (or threw). */
  exit(): void;
}
