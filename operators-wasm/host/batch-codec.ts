/**
 * Encoders and decoders for the packed byte layouts of `eddy:operator@0.1.0`
 * (see wit/operator.wit): packed batches, blob lists, flags and timestamps.
 */

/** One record as it crosses the boundary. Strings are encoded as UTF-8. */
export interface BatchRecord<B = Uint8Array> {
  /** Absent or empty means "no key". */
  key?: B;
  /** Event time in ms; absent (or NaN) means "no timestamp". */
  timestamp?: number;
  value: B;
}

export type BytesLike = Uint8Array | string;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const EMPTY = new Uint8Array(0);

/**
 * A growable little-endian byte writer. Reuse one across batches to avoid allocation;
 * `finish()` returns a view that is valid until the next `reset()`.
 */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number | undefined): void {
    this.ensure(8);
    if (v === undefined || v !== v) {
      // canonical quiet NaN = "none"
      this.view.setUint32(this.pos, 0, true);
      this.view.setUint32(this.pos + 4, 0x7ff80000, true);
    } else {
      this.view.setFloat64(this.pos, v, true);
    }
    this.pos += 8;
  }

  /** Writes `len: u32` then the bytes (strings as UTF-8). */
  lengthPrefixed(b: BytesLike | undefined): void {
    if (b === undefined) return this.u32(0);
    if (typeof b === "string") {
      // worst case 3 bytes per UTF-16 unit; encodeInto avoids an intermediate array
      this.ensure(4 + b.length * 3);
      if (b.length <= 256 && this.ascii(b)) return;
      const { written } = utf8.encodeInto(b, this.buf.subarray(this.pos + 4));
      this.view.setUint32(this.pos, written, true);
      this.pos += 4 + written;
      return;
    }
    const n = b.length;
    this.ensure(4 + n);
    const buf = this.buf;
    let p = this.pos;
    this.view.setUint32(p, n, true);
    p += 4;
    // short values (the common case for records) copy faster in a loop than through set()
    if (n <= 32) for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
    else buf.set(b, p);
    this.pos = p + n;
  }

  /**
   * Writes a short all-ASCII string with a plain loop (a TextEncoder call costs more than
   * the copy for short strings); gives up, writing nothing, at the first non-ASCII char.
   */
  private ascii(s: string): boolean {
    const buf = this.buf;
    const start = this.pos + 4;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[start + i] = c;
    }
    this.view.setUint32(this.pos, s.length, true);
    this.pos = start + s.length;
    return true;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Patches a u32 written earlier (e.g. a count known only at the end). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** A bounds-checked little-endian reader; throws `RangeError` on truncated input. */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new RangeError(`[eddy] packed data truncated: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Returns `undefined` for NaN ("none"). */
  f64(): number | undefined {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v !== v ? undefined : v;
  }

  /** A zero-copy view of `len: u32` bytes. */
  lengthPrefixed(): Uint8Array {
    const len = this.u32();
    this.need(len);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return utf8d.decode(this.lengthPrefixed());
  }

  /** A count that cannot exceed what the remaining bytes could hold (guards garbage). */
  count(minBytesPerItem: number): number {
    const n = this.u32();
    if (n * minBytesPerItem > this.remaining) {
      throw new RangeError(`[eddy] packed data claims ${n} items but only ${this.remaining} bytes remain`);
    }
    return n;
  }
}

const RECORD_MIN_BYTES = 4 + 8 + 4;

/** Appends a packed batch (count, then records) to `w`. */
export function writeRecords(w: ByteWriter, records: readonly BatchRecord<BytesLike>[]): void {
  w.u32(records.length);
  for (const r of records) {
    w.lengthPrefixed(r.key);
    w.f64(r.timestamp);
    w.lengthPrefixed(r.value);
  }
}

/**
 * Packs records into the packed batch layout. Keys and values may be bytes or strings.
 * Pass a reused `ByteWriter` to avoid allocating; the result is then a view into it.
 * @example
 * const packed = encodeBatch([{ key: "a", timestamp: 1000, value: "hello" }]);
 */
export function encodeBatch(records: readonly BatchRecord<BytesLike>[], writer?: ByteWriter): Uint8Array {
  const w = writer ? writer.reset() : new ByteWriter(16 + records.length * 32);
  writeRecords(w, records);
  return writer ? w.finish() : w.finish().slice();
}

/** Reads a packed batch from `r` (count included). Values are views into the input. */
export function readRecords(r: ByteReader): BatchRecord[] {
  const n = r.count(RECORD_MIN_BYTES);
  const out: BatchRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const key = r.lengthPrefixed();
    const timestamp = r.f64();
    out[i] = { key: key.length > 0 ? key : undefined, timestamp, value: r.lengthPrefixed() };
  }
  return out;
}

/** Unpacks a packed batch. Keys and values are zero-copy views into `bytes`; absent fields are `undefined`. */
export function decodeBatch(bytes: Uint8Array): BatchRecord[] {
  const r = new ByteReader(bytes);
  const out = readRecords(r);
  if (r.remaining !== 0) throw new RangeError(`[eddy] ${r.remaining} trailing bytes after packed batch`);
  return out;
}

/** Unpacks a packed batch, decoding keys and values as UTF-8 strings. */
export function decodeBatchStrings(bytes: Uint8Array): BatchRecord<string>[] {
  const r = new ByteReader(bytes);
  const n = r.count(RECORD_MIN_BYTES);
  const out: BatchRecord<string>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    // one object shape for every record (absent fields are undefined): monomorphic, 2x faster
    const key = readString(r);
    const timestamp = r.f64();
    out[i] = { key: key.length > 0 ? key : undefined, timestamp, value: readString(r) };
  }
  if (r.remaining !== 0) throw new RangeError(`[eddy] ${r.remaining} trailing bytes after packed batch`);
  return out;
}

/** `len: u32` + UTF-8 as a string. */
function readString(r: ByteReader): string {
  return utf8d.decode(r.lengthPrefixed());
}

/** Packs a blob list. */
export function encodeBlobs(items: readonly BytesLike[], writer?: ByteWriter): Uint8Array {
  const w = writer ? writer.reset() : new ByteWriter();
  w.u32(items.length);
  for (const b of items) w.lengthPrefixed(b);
  return writer ? w.finish() : w.finish().slice();
}

/** Unpacks a blob list into zero-copy views. */
export function decodeBlobs(bytes: Uint8Array): Uint8Array[] {
  const r = new ByteReader(bytes);
  const out = readBlobs(r);
  if (r.remaining !== 0) throw new RangeError(`[eddy] ${r.remaining} trailing bytes after blob list`);
  return out;
}

export function readBlobs(r: ByteReader): Uint8Array[] {
  const n = r.count(4);
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.lengthPrefixed();
  return out;
}

/** Unpacks a flags list (filter results). */
export function decodeFlags(bytes: Uint8Array): boolean[] {
  const r = new ByteReader(bytes);
  const n = r.count(1);
  if (r.remaining !== n) throw new RangeError(`[eddy] flags: expected ${n} bytes, got ${r.remaining}`);
  const out: boolean[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes[4 + i] !== 0;
  return out;
}

/** Unpacks a timestamps list; `undefined` where the guest wrote NaN. */
export function decodeTimestamps(bytes: Uint8Array): (number | undefined)[] {
  const r = new ByteReader(bytes);
  const n = r.count(8);
  const out: (number | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.f64();
  return out;
}

export function encodeFlags(flags: readonly boolean[]): Uint8Array {
  const w = new ByteWriter(4 + flags.length);
  w.u32(flags.length);
  for (const f of flags) w.u8(f ? 1 : 0);
  return w.finish().slice();
}

export function encodeTimestamps(ts: readonly (number | undefined)[]): Uint8Array {
  const w = new ByteWriter(4 + ts.length * 8);
  w.u32(ts.length);
  for (const t of ts) w.f64(t);
  return w.finish().slice();
}

export function bytesOf(b: BytesLike | undefined): Uint8Array {
  if (b === undefined) return EMPTY;
  return typeof b === "string" ? utf8.encode(b) : b;
}

export function textOf(b: Uint8Array): string {
  return utf8d.decode(b);
}
