/**
 * Checkpoints and savepoints in a Durable Object's storage. A checkpoint is encoded as on every
 * runtime (superjson metadata, keyed state as per-key-group strings: see core's
 * checkpoint-storage.ts), so one taken on Node restores here and back. Storage values are
 * limited in size (128 KiB on the key-value API), so the bytes are written in chunks, and a
 * marker naming the chunks is written last: a checkpoint whose marker is missing was never
 * complete and is not listed.
 *
 * Locations are `durable-object://<owner>/<jobKey>/<chk|savepoint>-<id>`, where `owner` names the
 * object that holds them (a job's JobManager). A location held by another object is read through
 * `readElsewhere`.
 */
import { type CheckpointStorage, type CompletedCheckpoint, EddyError, decodeCheckpoint, encodeCheckpoint, safeName } from "../../core/index.ts";
import type { DurableObjectStorage } from "./durable-object.ts";

/** Bytes per stored chunk: below the key-value API's 128 KiB per value. */
const CHUNK_BYTES = 120 * 1024;
/** Entries per `put` call (the API takes at most 128 at once). */
const PUT_BATCH = 64;
const SCHEME = "durable-object://";

interface Marker {
  readonly chunks: number;
  readonly bytes: number;
}

/** A location split into its parts. */
export interface DurableLocation {
  readonly owner: string;
  readonly jobKey: string;
  /** `chk-<id>` or `savepoint-<id>`. */
  readonly name: string;
}

/** Parses a `durable-object://` location; undefined for anything else. */
export function parseDurableLocation(location: string): DurableLocation | undefined {
  if (!location.startsWith(SCHEME)) return undefined;
  const parts = location.slice(SCHEME.length).split("/");
  if (parts.length !== 3 || parts.some((p) => p === "") || !/^(chk|savepoint)-\d+$/.test(parts[2]!)) return undefined;
  return { owner: decodeURIComponent(parts[0]!), jobKey: parts[1]!, name: parts[2]! };
}

/** Keeps checkpoints in the storage of the object named `owner`. */
export class DurableObjectCheckpointStorage implements CheckpointStorage {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly owner: string,
    /** Reads the encoded checkpoint at a location another object holds. */
    private readonly readElsewhere?: (location: DurableLocation, text: string) => Promise<Uint8Array>,
  ) {}

  async store(checkpoint: CompletedCheckpoint): Promise<{ location: string; bytes: number }> {
    const jobKey = safeName(checkpoint.jobKey);
    const name = `${checkpoint.isSavepoint ? "savepoint" : "chk"}-${checkpoint.checkpointId}`;
    const data = encodeCheckpoint(checkpoint);
    await this.writeBytes(jobKey, name, data);
    return { location: `${SCHEME}${encodeURIComponent(this.owner)}/${jobKey}/${name}`, bytes: data.byteLength };
  }

  /** Stores encoded checkpoint bytes as they are (an imported savepoint); returns the location. */
  async import(bytes: Uint8Array, what: string): Promise<{ location: string; checkpoint: CompletedCheckpoint }> {
    const checkpoint = decodeCheckpoint(bytes, what);
    const jobKey = safeName(checkpoint.jobKey);
    const name = `${checkpoint.isSavepoint ? "savepoint" : "chk"}-${checkpoint.checkpointId}`;
    await this.writeBytes(jobKey, name, bytes);
    return { location: `${SCHEME}${encodeURIComponent(this.owner)}/${jobKey}/${name}`, checkpoint };
  }

  async load(location: string): Promise<CompletedCheckpoint> {
    return decodeCheckpoint(await this.read(location), location);
  }

  /** The encoded bytes at `location` (here or, through `readElsewhere`, in another object). */
  async read(location: string): Promise<Uint8Array> {
    const parsed = parseDurableLocation(location);
    if (parsed === undefined) {
      throw new EddyError(`[eddy] "${location}" is not a checkpoint location of this deployment: expected durable-object://<job>/<jobKey>/<chk|savepoint>-<id>`, { code: "CHECKPOINT_NOT_FOUND", domain: "user", retryable: false });
    }
    if (parsed.owner !== this.owner) {
      if (this.readElsewhere === undefined) throw notFound(location);
      return this.readElsewhere(parsed, location);
    }
    const marker = await this.storage.get<Marker>(markerKey(parsed.jobKey, parsed.name));
    if (marker === undefined) throw notFound(location);
    const keys = Array.from({ length: marker.chunks }, (_, i) => chunkKey(parsed.jobKey, parsed.name, i));
    const parts: Uint8Array[] = [];
    for (let i = 0; i < keys.length; i += PUT_BATCH) {
      const got = await this.storage.get<Uint8Array>(keys.slice(i, i + PUT_BATCH));
      for (const k of keys.slice(i, i + PUT_BATCH)) {
        const chunk = got.get(k);
        if (chunk === undefined) throw new EddyError(`[eddy] checkpoint "${location}" cannot be read: chunk ${k} is missing`, { code: "CHECKPOINT_CORRUPT", domain: "external", retryable: false });
        parts.push(chunk);
      }
    }
    const out = new Uint8Array(marker.bytes);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }

  async list(jobKey: string): Promise<string[]> {
    const key = safeName(jobKey);
    const prefix = `${MARKERS}${key}/chk-`;
    const ids = [...(await this.storage.list({ prefix })).keys()].map((k) => Number(k.slice(prefix.length))).sort((a, b) => a - b);
    return ids.map((id) => `${SCHEME}${encodeURIComponent(this.owner)}/${key}/chk-${id}`);
  }

  async discard(location: string): Promise<void> {
    const parsed = parseDurableLocation(location);
    if (parsed === undefined || parsed.owner !== this.owner) return;
    const marker = await this.storage.get<Marker>(markerKey(parsed.jobKey, parsed.name));
    // The marker goes first: a half-deleted checkpoint is never listed as complete.
    await this.storage.delete(markerKey(parsed.jobKey, parsed.name));
    if (marker === undefined) return;
    const keys = Array.from({ length: marker.chunks }, (_, i) => chunkKey(parsed.jobKey, parsed.name, i));
    for (let i = 0; i < keys.length; i += PUT_BATCH) await this.storage.delete(keys.slice(i, i + PUT_BATCH));
  }

  private async writeBytes(jobKey: string, name: string, data: Uint8Array): Promise<void> {
    const chunks = Math.max(1, Math.ceil(data.byteLength / CHUNK_BYTES));
    let batch: Record<string, Uint8Array> = {};
    let n = 0;
    for (let i = 0; i < chunks; i++) {
      batch[chunkKey(jobKey, name, i)] = data.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
      if (++n === PUT_BATCH) {
        await this.storage.put(batch);
        batch = {};
        n = 0;
      }
    }
    if (n > 0) await this.storage.put(batch);
    await this.storage.put(markerKey(jobKey, name), { chunks, bytes: data.byteLength } satisfies Marker);
  }
}

const MARKERS = "checkpoint/";
const CHUNKS = "checkpoint-data/";

function markerKey(jobKey: string, name: string): string {
  return `${MARKERS}${jobKey}/${name}`;
}

function chunkKey(jobKey: string, name: string, index: number): string {
  return `${CHUNKS}${jobKey}/${name}/${String(index).padStart(6, "0")}`;
}

function notFound(location: string): EddyError {
  return new EddyError(`[eddy] no checkpoint at "${location}"`, { code: "CHECKPOINT_NOT_FOUND", domain: "user", retryable: false });
}
