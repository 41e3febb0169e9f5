/**
 * A job's collected results in its JobManager object: the newest `capacity` records in memory
 * (core's ResultBuffer, which `GET /jobs/:jobid/results` reads) and in storage, written in
 * chunks so they are still there after the object restarts. Records come from the TaskManagers
 * as they are produced, so after a failover the ones produced again since the restored
 * checkpoint are kept twice (at least once; a webhook sink gives exactly once).
 */
import { ResultBuffer } from "../../server/result-buffer.ts";
import type { DurableObjectStorage } from "./durable-object.ts";

const PREFIX = "results/";
const META = "results-meta";

interface Meta {
  readonly total: number;
  readonly nextChunk: number;
}

/** The results of one job, kept in memory and storage. */
export class DurableResults extends ResultBuffer {
  private pending: unknown[] = [];
  private nextChunk = 0;
  /** Stored chunks, oldest first, with their sizes. */
  private chunks: { key: string; count: number }[] = [];

  constructor(private readonly storage: DurableObjectStorage, capacity: number) {
    super(capacity);
  }

  /** Reads back what the object stored before it restarted. */
  async load(): Promise<void> {
    const meta = await this.storage.get<Meta>(META);
    const stored = await this.storage.list<unknown[]>({ prefix: PREFIX });
    for (const [key, values] of stored) {
      this.chunks.push({ key, count: values.length });
      for (const v of values) super.push(v);
    }
    this.total = meta?.total ?? this.total;
    this.nextChunk = meta?.nextChunk ?? this.chunks.length;
  }

  override push(value: unknown): void {
    super.push(value);
    this.pending.push(value);
  }

  /** Writes what arrived since the last flush; drops chunks that hold only records beyond the capacity. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const values = this.pending;
    this.pending = [];
    const key = `${PREFIX}${String(this.nextChunk++).padStart(12, "0")}`;
    this.chunks.push({ key, count: values.length });
    await this.storage.put({ [key]: values, [META]: { total: this.total, nextChunk: this.nextChunk } satisfies Meta });
    let kept = this.chunks.reduce((n, c) => n + c.count, 0);
    const drop: string[] = [];
    while (this.chunks.length > 1 && kept - this.chunks[0]!.count >= this.capacity) {
      kept -= this.chunks[0]!.count;
      drop.push(this.chunks.shift()!.key);
    }
    if (drop.length > 0) await this.storage.delete(drop);
  }
}
