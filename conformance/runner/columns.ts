/**
 * One column of the conformance matrix: the suite run on one runtime (a child process of Node,
 * Deno or Bun running conformance/run.ts, or the conformance Worker served by workerd), its
 * results read back from the summary it reports last.
 */
import type { ConformanceSummary, ScenarioResult } from "../index.ts";
import type { RuntimeName } from "../scenario.ts";
import { lastTagged, runChild, tail } from "./child.ts";
import { type Found, type RuntimeCommand, suiteScript } from "./runtimes.ts";
import type { ConformanceWorker } from "./workerd.ts";

/** A deployment that runs the suite itself and reports each scenario (Durable Objects behind an HTTP API). */
export interface DeploymentSuite {
  /** What runs the jobs (`workerd, Durable Objects`). */
  readonly version: string;
  /** Where its HTTP API answers (the HTTP-level scenarios run against it too). */
  readonly api: string;
  suite(filter: string | undefined, onLine?: (line: string) => void): Promise<readonly ScenarioResult[]>;
  close(): Promise<void>;
}

/** Where a column runs, and how. */
export interface ColumnSpec {
  /** The column's label: the runtime, with `/<n>tm` when on n worker TaskManagers. */
  readonly label: string;
  readonly runtime: RuntimeName;
  /** Worker TaskManagers the jobs run on; 0: the local TaskManager. */
  readonly taskManagers: number;
  readonly host: Found<RuntimeCommand | ConformanceWorker | DeploymentSuite>;
}

/** What one column gave. */
export interface ColumnResult {
  readonly label: string;
  /** The runtime Eddy started for the column; none for a deployment reached by its URL. */
  readonly runtime?: RuntimeName;
  readonly taskManagers: number;
  /** The runtime's own name and version (`deno 2.5.1`), when it ran. */
  readonly version?: string;
  /** Why the column did not run at all (the runtime is not installed). */
  readonly missing?: string;
  /** Why the run ended before reporting every scenario (a crash, a time limit). */
  readonly crashed?: string;
  readonly results: readonly ScenarioResult[];
}

/** Options of {@link runColumn}. */
export interface ColumnOptions {
  readonly filter?: string;
  readonly componentsDir?: string;
  readonly kafka?: readonly string[];
  readonly cwd: string;
  readonly timeoutMs: number;
  /** Run nothing: only the HTTP-level scenarios were asked for. */
  readonly skipSuite?: boolean;
  /** Hears each scenario line as the child prints it. */
  readonly onLine?: (line: string) => void;
}

/** Runs the suite for one column. */
export async function runColumn(spec: ColumnSpec, options: ColumnOptions): Promise<ColumnResult> {
  const base = { label: spec.label, runtime: spec.runtime, taskManagers: spec.taskManagers };
  if ("missing" in spec.host) return { ...base, missing: spec.host.missing, results: [] };
  const host = spec.host.found;
  if (options.skipSuite === true) return { ...base, results: [] };
  if ("suite" in host) return { ...base, version: host.version, results: await host.suite(options.filter, options.onLine) };
  if ("url" in host) return { ...base, ...(await onWorker(host, options)) };
  const args = [
    ...(options.filter !== undefined ? [`--filter=${options.filter}`] : []),
    ...(spec.taskManagers > 0 ? [`--task-managers=${spec.taskManagers}`] : []),
    ...(options.componentsDir !== undefined ? [`--components=${options.componentsDir}`] : []),
    ...(options.kafka !== undefined && options.kafka.length > 0 ? [`--kafka=${options.kafka.join(",")}`] : []),
  ];
  const run = await runChild(host, suiteScript("run"), args, { cwd: options.cwd, timeoutMs: options.timeoutMs, ...(options.onLine !== undefined ? { onLine: options.onLine } : {}) });
  const line = lastTagged(run.stdout, "CONFORMANCE");
  let summary: (ConformanceSummary & { runtime?: string }) | undefined;
  try {
    summary = line === undefined ? undefined : JSON.parse(line);
  } catch {
    summary = undefined;
  }
  const ended = run.timedOut ? `was still running after ${options.timeoutMs} ms and was stopped` : `exited with ${run.signal ?? run.code}`;
  if (summary === undefined) return { ...base, crashed: `${spec.runtime} ${ended} before reporting:\n${tail(run.output)}`, results: [] };
  return { ...base, ...(summary.runtime !== undefined ? { version: summary.runtime.replace(/ on \d+ worker TaskManagers$/, "") } : {}), results: summary.results };
}

async function onWorker(worker: ConformanceWorker, options: ColumnOptions): Promise<Pick<ColumnResult, "version" | "crashed" | "results">> {
  let text: string;
  let status: number;
  try {
    const response = await fetch(`${worker.url}/?filter=${encodeURIComponent(options.filter ?? "")}`, { signal: AbortSignal.timeout(options.timeoutMs) });
    status = response.status;
    text = await response.text();
  } catch (error) {
    return { version: worker.version, crashed: `the conformance Worker did not answer: ${error instanceof Error ? error.message : String(error)}`, results: [] };
  }
  try {
    const summary = JSON.parse(text) as ConformanceSummary;
    for (const r of summary.results) options.onLine?.(r.status === "passed" ? `  ok    ${r.name}` : r.status === "skipped" ? `  skip  ${r.name}: ${r.reason}` : `  FAIL  ${r.name}\n        ${r.error}`);
    return { version: worker.version, results: summary.results };
  } catch {
    return { version: worker.version, crashed: `the conformance Worker answered ${status} without a summary: ${text.slice(0, 2_000)}`, results: [] };
  }
}
