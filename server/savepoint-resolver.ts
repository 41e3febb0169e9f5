/**
 * Where a spec's `savepoint` points: a path as given, or the latest retained checkpoint of the
 * job `fromJob` names (Flink's `flink run -s <path>`, with the path looked up by job id). Either
 * must load, so a wrong one is a 400 now rather than a FAILED job later.
 */
import type { CheckpointStorage } from "../core/index.ts";
import { HttpError } from "./errors.ts";
import type { JobRegistry } from "./job-registry.ts";
import type { JobSpec } from "./job-spec.ts";

function invalid(path: string, message: string): HttpError {
  return new HttpError(400, "[eddy] invalid job spec", [{ path, message }]);
}

/** `spec` with `savepoint.path` set to a location that loads. */
export async function resolveSavepoint(spec: JobSpec, registry: JobRegistry, storage: CheckpointStorage): Promise<JobSpec> {
  const savepoint = spec.savepoint;
  if (savepoint === undefined) return spec;
  let field = "savepoint.path";
  let path = savepoint.path;
  if (savepoint.fromJob !== undefined) {
    field = "savepoint.fromJob";
    const job = registry.get(savepoint.fromJob);
    if (job?.jobKey === undefined) throw invalid(field, `expected the id of a job this server runs or ran from a spec: "${savepoint.fromJob}" is not one`);
    const retained = await storage.list(job.jobKey);
    path = retained[retained.length - 1];
    if (path === undefined) throw invalid(field, `expected a job with a retained checkpoint: job "${savepoint.fromJob}" has none yet`);
  }
  try {
    await storage.load(path!);
  } catch (error) {
    throw invalid(field, `expected a savepoint location: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { fromJob: _resolved, ...rest } = savepoint;
  return { ...spec, savepoint: { ...rest, path: path! } };
}
