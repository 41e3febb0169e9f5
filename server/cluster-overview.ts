/**
 * The cluster-wide answers every Eddy API gives the same way, wherever its jobs run: `/config`
 * (what Flink's web UI reads first) and `/overview` (jobs counted by state, TaskManagers, slots).
 */
import { EDDY_VERSION } from "./version.ts";

/** `/config` (Flink's DashboardConfiguration). */
export function dashboardConfiguration(): object {
  return {
    "refresh-interval": 3000,
    "timezone-name": "UTC",
    "timezone-offset": 0,
    "flink-version": `eddy-${EDDY_VERSION}`,
    "flink-revision": "",
    features: { "web-submit": false, "web-cancel": true, "web-rescale": false, "web-history": false },
  };
}

/** What `/overview` is made of. */
export interface ClusterFigures {
  readonly taskManagers: number;
  readonly slotsTotal: number;
  readonly slotsAvailable: number;
  /** The status of every job the API knows. */
  readonly jobStatuses: readonly string[];
}

/** `/overview` (Flink's ClusterOverviewWithVersion): jobs counted by state, as Flink groups them. */
export function clusterOverview(figures: ClusterFigures): object {
  const count = (states: readonly string[]): number => figures.jobStatuses.filter((s) => states.includes(s)).length;
  return {
    taskmanagers: figures.taskManagers,
    "slots-total": figures.slotsTotal,
    "slots-available": figures.slotsAvailable,
    "jobs-running": count(["CREATED", "RUNNING", "FAILING", "RESTARTING", "CANCELLING"]),
    "jobs-finished": count(["FINISHED"]),
    "jobs-cancelled": count(["CANCELED"]),
    "jobs-failed": count(["FAILED"]),
    "flink-version": `eddy-${EDDY_VERSION}`,
    "flink-commit": "",
  };
}
