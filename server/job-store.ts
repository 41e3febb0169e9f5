/**
 * The submitted jobs a server keeps across restarts (Flink's JobManager high availability, on one
 * node): one record per job, `<dir>/<jobid>.json` in a FileSystem, written to a temp name and
 * renamed so a crash never leaves half a record. The checkpoint storage stays the one source of
 * the job's state: a record names the job's checkpoints (its job key), and the latest completed
 * checkpoint found there is where the job resumes.
 */
import superjson from "superjson";
import { EddyError, type FileSystem, joinPath } from "../core/index.ts";
import type { EndedJobData, VertexView } from "./ended-job.ts";
import type { JobSpec } from "./job-spec.ts";

/** A submitted job as stored. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  /** Submission time, ms since epoch. */
  readonly submitted: number;
  /** Names the job's checkpoints in the server's checkpoint storage. */
  readonly jobKey: string;
  /** The spec as it runs (a `savepoint.fromJob` already resolved to its path). */
  readonly spec: JobSpec;
  /** Ids of the artifacts the spec names, kept by id in the server's artifact store. */
  readonly artifacts: readonly string[];
  /** The job's vertices, shown even when the job cannot be built again. */
  readonly plan: readonly VertexView[];
  /** What the job left once it ended; a record without it is resumed when the server starts. */
  readonly ended?: EndedJobData;
}

/** A file in the store that could not be read, and why. */
export interface UnreadableRecord {
  readonly path: string;
  readonly reason: string;
}

const JOB_ID = /^[0-9a-f]{32}$/;
const RECORD_FILE = /^([0-9a-f]{32})\.json$/;

/** Job records in a FileSystem directory. */
export class JobStore {
  constructor(private readonly fs: FileSystem, private readonly dir = "jobs") {}

  /** Writes (or replaces) the record of `record.id` atomically. */
  async put(record: JobRecord): Promise<void> {
    if (!JOB_ID.test(record.id)) {
      throw new EddyError(`[eddy] job id "${record.id}" cannot name a job record: expected 32 lowercase hex digits`, { code: "INVALID_JOB_ID", domain: "internal", retryable: false });
    }
    const tmp = joinPath(this.dir, `.${record.id}.${crypto.randomUUID()}.tmp`);
    await this.fs.writeFile(tmp, new TextEncoder().encode(superjson.stringify(record)));
    await this.fs.rename(tmp, this.path(record.id));
  }

  /** Forgets the record of job `id`. */
  async remove(id: string): Promise<void> {
    if (JOB_ID.test(id)) await this.fs.remove(this.path(id));
  }

  /**
   * Every record, oldest submission first, and the files that could not be read (left in place).
   * Removes the temp files of writes a crash interrupted, so call it before jobs are submitted.
   */
  async list(): Promise<{ records: JobRecord[]; unreadable: UnreadableRecord[] }> {
    const records: JobRecord[] = [];
    const unreadable: UnreadableRecord[] = [];
    for (const name of await this.fs.list(this.dir)) {
      const path = joinPath(this.dir, name);
      if (name.startsWith(".") && name.endsWith(".tmp")) {
        await this.fs.remove(path);
        continue;
      }
      const m = RECORD_FILE.exec(name);
      if (m === null) continue;
      const bytes = await this.fs.readFile(path);
      if (bytes === undefined) continue;
      const decoded = decodeRecord(bytes, m[1]!);
      if (typeof decoded === "string") unreadable.push({ path, reason: decoded });
      else records.push(decoded);
    }
    records.sort((a, b) => a.submitted - b.submitted);
    return { records, unreadable };
  }

  private path(id: string): string {
    return joinPath(this.dir, `${id}.json`);
  }
}

/** The record in `bytes`, or why it is not one. */
function decodeRecord(bytes: Uint8Array, id: string): JobRecord | string {
  let r: Partial<JobRecord> | null;
  try {
    r = superjson.parse<Partial<JobRecord>>(new TextDecoder().decode(bytes));
  } catch (error) {
    return `not a job record: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (r === null || typeof r !== "object") return "not a job record: expected an object";
  if (r.id !== id) return `expected the record of job ${id}, found ${String(r.id)}`;
  if (typeof r.name !== "string" || typeof r.submitted !== "number" || typeof r.jobKey !== "string") return "expected name, submitted and jobKey";
  if (r.spec === null || typeof r.spec !== "object" || !Array.isArray(r.artifacts) || !Array.isArray(r.plan)) return "expected spec, artifacts and plan";
  return r as JobRecord;
}
