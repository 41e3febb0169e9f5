/**
 * How run scenarios drive a Durable Object deployment: the jobs their modules export, submitted
 * with `POST /jobs` (the suite is bundled into the Worker as the job module `conformance`), and
 * watched, stopped and resumed through Flink's REST paths.
 */
import type { HttpApi } from "./http/api.ts";
import { check } from "./checks.ts";
import type { DeploymentContext, WebhookReceiver } from "./scenario.ts";

/** The name the suite's module has in the deployment's bundle. */
export const DEPLOYMENT_MODULE = "conformance";

/** A job of a scenario's module to submit. */
export interface DeploymentJob {
  /** The scenario whose module exports the builder. */
  readonly scenario: string;
  /** The builder's export name. */
  readonly job: string;
  /** Its parameters (JSON). */
  readonly params?: unknown;
  readonly parallelism: number;
  /** Keep the stream the builder returns (default: yes, up to a million records). */
  readonly collect?: boolean;
  /** A savepoint location of the deployment to start from. */
  readonly savepoint?: string;
}

/** Submits `job`; resolves with its id. */
export function submitJob(deployment: DeploymentContext, job: DeploymentJob): Promise<string> {
  return submitModuleJob(deployment.api, `conformance ${job.scenario}`, "scenarioJob", { name: job.scenario, job: job.job, params: job.params }, job);
}

/** Submits the job the suite's module exports as `builder`; resolves with its id. */
export async function submitModuleJob(api: HttpApi, name: string, builder: string, params: unknown, options: Pick<DeploymentJob, "parallelism" | "collect" | "savepoint">): Promise<string> {
  const answer = await api.call("POST", "/jobs", {
    name,
    job: { module: DEPLOYMENT_MODULE, export: builder, params },
    parallelism: options.parallelism,
    resultsCapacity: options.collect === false ? 0 : 1_000_000,
    ...(options.savepoint !== undefined ? { savepoint: { path: options.savepoint } } : {}),
  });
  check(answer.status === 202 && typeof answer.json?.jobid === "string", `POST /jobs (${name}) answered ${answer.status}, expected 202: ${answer.text.slice(0, 500)}`);
  return answer.json.jobid as string;
}

/** Waits until the job has ended; resolves with its final state. */
export async function jobEnd(api: HttpApi, id: string, timeoutMs = 60_000): Promise<string> {
  return api.until(`job ${id} ending`, async () => {
    const state = (await api.call("GET", `/jobs/${id}`)).json?.state as string | undefined;
    return state !== undefined && ["FINISHED", "FAILED", "CANCELED"].includes(state) ? state : undefined;
  }, timeoutMs);
}

/** Waits until the job has ended and fails unless it FINISHED, naming its root exception. */
export async function jobFinished(api: HttpApi, id: string, timeoutMs?: number): Promise<void> {
  const state = await jobEnd(api, id, timeoutMs);
  check(state === "FINISHED", `job ${id} ended ${state}, expected FINISHED: ${(await api.call("GET", `/jobs/${id}/exceptions`)).json?.["root-exception"]}`);
}

/** What the job's collect sink kept, all of it. */
export async function jobResults<T = unknown>(api: HttpApi, id: string): Promise<T[]> {
  const records: T[] = [];
  for (;;) {
    const answer = await api.call("GET", `/jobs/${id}/results?offset=${records.length}&limit=100000`);
    check(answer.status === 200, `GET /jobs/${id}/results answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    const slice = answer.json as { total: number; kept: number; records: T[] };
    check(slice.kept === slice.total, `job ${id} kept ${slice.kept} of its ${slice.total} results`);
    records.push(...slice.records);
    if (slice.records.length === 0 || records.length >= slice.total) return records;
  }
}

/** One failure of a job's exception history, oldest first, as `/jobs/:id/exceptions` lists it. */
export interface ExceptionEntry {
  readonly exceptionName: string;
  /** Holds the message. */
  readonly stacktrace: string;
  readonly attempt: number;
}

/** The job's exception history, oldest first. */
export async function exceptionHistory(api: HttpApi, id: string): Promise<ExceptionEntry[]> {
  const answer = await api.call("GET", `/jobs/${id}/exceptions`);
  check(answer.status === 200, `GET /jobs/${id}/exceptions answered ${answer.status}`);
  return [...(answer.json.exceptionHistory.entries as ExceptionEntry[])].reverse();
}

/** Flink's checkpoint statistics of the job, as far as the scenarios read them. */
export interface CheckpointStatistics {
  readonly counts: { readonly completed: number; readonly restored: number };
  readonly latest: { readonly restored: { readonly id: number; readonly is_savepoint: boolean } | null };
  readonly history: readonly { readonly status: string; readonly checkpoint_type: string; readonly is_savepoint: boolean }[];
}

/** `/jobs/:id/checkpoints`. */
export async function checkpointStatistics(api: HttpApi, id: string): Promise<CheckpointStatistics> {
  const answer = await api.call("GET", `/jobs/${id}/checkpoints`);
  check(answer.status === 200, `GET /jobs/${id}/checkpoints answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.json as CheckpointStatistics;
}

/** Stops the job with a savepoint (`POST /jobs/:id/stop`); resolves with the savepoint's location once the job has ended. */
export async function stopWithSavepoint(api: HttpApi, id: string): Promise<string> {
  const stop = await api.call("POST", `/jobs/${id}/stop`, { drain: false });
  check(stop.status === 202 && typeof stop.json?.["request-id"] === "string", `POST /jobs/${id}/stop answered ${stop.status}, expected 202 with a request-id: ${stop.text.slice(0, 300)}`);
  const location = await api.savepoint(id, stop.json["request-id"]);
  const state = await jobEnd(api, id, 20_000);
  check(state === "FINISHED", `stop-with-savepoint left job ${id} ${state}, expected FINISHED`);
  return location;
}

/**
 * What one receiver taking the requests of both `first` and `then` would keep: each idempotency
 * key's records once; and the keys `then` was sent again with other records than `first` had.
 */
export function takenByBoth(first: WebhookReceiver, then: WebhookReceiver): { records: unknown[]; changed: string[] } {
  const changed = [...then.byKey].filter(([key, records]) => first.byKey.has(key) && JSON.stringify(first.byKey.get(key)) !== JSON.stringify(records)).map(([key]) => key);
  return { records: [...new Map([...first.byKey, ...then.byKey]).values()].flat(), changed };
}
