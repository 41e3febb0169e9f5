/** @module The HTTP-level conformance scenarios, run against any deployed Eddy by its URL (`eddy conformance --url`). */
import type { ConformanceSummary, ScenarioResult, ScenarioStatus } from "../index.ts";
import { ScenarioFailure } from "../scenario.ts";
import { httpApi } from "./api.ts";
import { HTTP_SCENARIOS, type HttpContext, PROBE_JOB } from "./scenarios.ts";

export { HTTP_SCENARIOS, type HttpContext, type HttpScenario } from "./scenarios.ts";
export { httpApi, type Answer, type HttpApi } from "./api.ts";

/** Options of {@link runHttpConformance}. */
export interface HttpConformanceOptions {
  /** The deployment's base URL (`http://host:port`). */
  readonly url: string;
  /** Its bearer token, if it needs one. */
  readonly token?: string;
  /** A substring of scenario names. */
  readonly filter?: string;
  /** Called after each scenario. */
  readonly reporter?: (result: ScenarioResult) => void;
  /** How long the probe waits for a cancelled job to end before deciding jobs do not run on between requests. Default 15 s. */
  readonly probeMs?: number;
}

/**
 * Runs the HTTP-level scenarios against the deployment at `options.url`, one after another.
 *
 * @example
 * const summary = await runHttpConformance({ url: "http://127.0.0.1:8081", token: process.env.EDDY_TOKEN });
 */
export async function runHttpConformance(options: HttpConformanceOptions): Promise<ConformanceSummary> {
  const api = httpApi({ url: options.url, ...(options.token !== undefined ? { token: options.token } : {}) });
  let stall: Promise<string | undefined> | undefined;
  const context: HttpContext = {
    api,
    // Probed once, by the first scenario that needs jobs to run on between requests.
    jobsStall: () => (stall ??= probeJobs(context, options.probeMs ?? 15_000)),
  };
  const results: ScenarioResult[] = [];
  for (const scenario of HTTP_SCENARIOS.filter((s) => s.name.includes(options.filter ?? ""))) {
    const started = Date.now();
    let result: ScenarioResult;
    try {
      const reason = await scenario.skip?.(context);
      if (reason !== undefined) result = { name: scenario.name, status: "skipped", durationMs: Date.now() - started, reason };
      else {
        await scenario.run(context);
        result = { name: scenario.name, status: "passed", durationMs: Date.now() - started };
      }
    } catch (e) {
      const error = e instanceof ScenarioFailure ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      result = { name: scenario.name, status: "failed", durationMs: Date.now() - started, error };
    }
    results.push(result);
    options.reporter?.(result);
  }
  const count = (status: ScenarioStatus) => results.filter((r) => r.status === status).length;
  return { passed: count("passed"), failed: count("failed"), skipped: count("skipped"), results };
}

/**
 * Whether jobs here run on between requests; the reason when they do not. A running job is
 * cancelled: its tasks must run to take the cancellation, and where nothing runs between
 * requests it stays CANCELLING.
 */
async function probeJobs({ api }: HttpContext, probeMs: number): Promise<string | undefined> {
  const submitted = await api.call("POST", "/jobs", PROBE_JOB);
  if (submitted.status !== 202) throw new ScenarioFailure(`POST /jobs of a generator job answered ${submitted.status}, expected 202: ${submitted.text.slice(0, 300)}`);
  const jobid: string = submitted.json.jobid;
  await api.state(jobid, "RUNNING");
  const cancelled = await api.call("PATCH", `/jobs/${jobid}?mode=cancel`);
  if (cancelled.status !== 202) throw new ScenarioFailure(`PATCH /jobs/${jobid} of a running job answered ${cancelled.status}, expected 202: ${cancelled.text.slice(0, 300)}`);
  try {
    await api.state(jobid, "CANCELED", probeMs);
    return undefined;
  } catch (error) {
    if (!(error instanceof ScenarioFailure)) throw error;
    return `jobs here do not run on between requests (a Worker without Durable Objects): a cancelled generator job was still CANCELLING after ${probeMs / 1000} s`;
  }
}
