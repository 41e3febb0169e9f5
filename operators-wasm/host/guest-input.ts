/**
 * An export's list argument written straight into the guest's linear memory (no intermediate
 * copy), and the packed-batch encoder that writes records from arrays of values and timestamps.
 */
import { ByteWriter } from "./batch-codec.ts";

/**
 * An argument the host writes into memory the guest allocated for it. Encoders that cannot know
 * the exact size up front (UTF-8 of strings) give a guess; `write` then says how much it needs.
 */
export interface GuestInput {
  /** Bytes to allocate first: exact, or a guess that `write` may find too small. */
  readonly sizeHint: number;
  /**
   * Writes the argument at `at` of `memory` within `capacity` bytes; returns the bytes written,
   * or, when they do not fit, minus the bytes it needs (it is then called again with that much).
   */
  write(memory: Uint8Array, view: DataView, at: number, capacity: number): number;
}

/** The bytes of an argument, for callers that need them in JS memory (jco's glue, tests). */
export function inputBytes(input: GuestInput | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) return input;
  let buf = new Uint8Array(input.sizeHint);
  let n = input.write(buf, new DataView(buf.buffer), 0, buf.length);
  if (n < 0) {
    buf = new Uint8Array(-n);
    n = input.write(buf, new DataView(buf.buffer), 0, buf.length);
    if (n < 0) throw new RangeError(`[eddy] an input asked for ${-n} bytes after getting the ${buf.length} it asked for`);
  }
  return buf.subarray(0, n);
}

/**
 * 16 NULs: joined between string values, they leave room for the next record's header (key
 * length 0, timestamp, value length), so one `encodeInto` writes every value of a batch in place.
 */
const HEADER_GAP = "\0".repeat(16);
const utf8 = new TextEncoder();

/**
 * Encodes records without keys (`values[i]` with `stamps[i]`) as a packed batch: count, then per
 * record key length 0, timestamp (f64, NaN for none), value length and value. Values are
 * strings (UTF-8) or Uint8Arrays (as they are); the caller has checked that.
 *
 * All-string batches are joined with {@link HEADER_GAP} and written with one `encodeInto`; when
 * the text is all ASCII (as many bytes written as chars read) byte offsets equal char offsets and
 * only the headers are patched in. Otherwise (or for a batch that mixes strings and bytes) each
 * record is encoded on its own. Takes whole arrays so a batch handed over at once needs no copy.
 */
export class PackedBatchEncoder implements GuestInput {
  sizeHint = 0;
  private values: readonly unknown[] = [];
  private stamps: ArrayLike<number> = [];
  private from = 0;
  private to = 0;
  private withCount = true;
  /** The values joined with HEADER_GAP while the ASCII path is still possible. */
  private joined: string | undefined;
  /** Records encoded one by one (not all ASCII, or mixed), written by a plain copy. */
  private readonly slow = new ByteWriter(1 << 12);
  private slowReady = false;
  private allBytes = false;

  /**
   * Prepares records `[from, to)` of `values` and `stamps`; `withCount` false writes the records
   * alone (to append them after other records of a batch).
   */
  reset(values: readonly unknown[], stamps: ArrayLike<number>, from = 0, to = values.length, withCount = true): this {
    this.values = values;
    this.stamps = stamps;
    this.from = from;
    this.to = to;
    this.withCount = withCount;
    this.joined = undefined;
    this.slowReady = false;
    const n = to - from;
    let strings = 0;
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (typeof v === "string") strings++;
      else bytes += (v as Uint8Array).length;
    }
    const head = withCount ? 4 : 0;
    this.allBytes = strings === 0;
    if (n > 0 && strings === n) {
      const joined = from === 0 && to === values.length ? (values as string[]).join(HEADER_GAP) : (values.slice(from, to) as string[]).join(HEADER_GAP);
      this.joined = joined;
      this.sizeHint = head + 16 + joined.length;
    } else if (this.allBytes) {
      this.sizeHint = head + 16 * n + bytes;
    } else {
      this.encodeEach();
      this.sizeHint = head + this.slow.pos;
    }
    return this;
  }

  write(memory: Uint8Array, view: DataView, at: number, capacity: number): number {
    const n = this.to - this.from;
    let p = at;
    if (this.withCount) {
      if (capacity < 4) return -this.sizeHint;
      view.setUint32(p, n, true);
      p += 4;
    }
    const room = capacity - (p - at);
    let wrote: number;
    if (this.joined !== undefined) wrote = this.writeAscii(memory, view, p, room);
    else if (this.allBytes) wrote = room >= this.sizeHint - (p - at) ? this.writeBytes(memory, view, p) : -(this.sizeHint - (p - at));
    else wrote = this.writeSlow(memory, p, room);
    return wrote < 0 ? wrote - (p - at) : wrote + (p - at);
  }

  private writeAscii(memory: Uint8Array, view: DataView, at: number, room: number): number {
    const joined = this.joined!;
    const len = joined.length;
    if (room >= 16 + len) {
      const { read, written } = utf8.encodeInto(joined, memory.subarray(at + 16, at + 16 + len));
      if (read === len && written === len) {
        const { values, stamps, to } = this;
        let p = at;
        for (let i = this.from; i < to; i++) {
          const l = (values[i] as string).length;
          view.setUint32(p, 0, true);
          setStamp(view, p + 4, stamps[i]!);
          view.setUint32(p + 12, l, true);
          p += 16 + l;
        }
        return p - at;
      }
    }
    // not all ASCII: UTF-8 lengths differ from string lengths, encode record by record
    this.joined = undefined;
    this.encodeEach();
    return this.writeSlow(memory, at, room);
  }

  private writeBytes(memory: Uint8Array, view: DataView, at: number): number {
    const { values, stamps, to } = this;
    let p = at;
    for (let i = this.from; i < to; i++) {
      const b = values[i] as Uint8Array;
      const n = b.length;
      view.setUint32(p, 0, true);
      setStamp(view, p + 4, stamps[i]!);
      view.setUint32(p + 12, n, true);
      p += 16;
      // short values copy faster in a loop than through set()
      if (n <= 32) for (let j = 0; j < n; j++) memory[p + j] = b[j]!;
      else memory.set(b, p);
      p += n;
    }
    return p - at;
  }

  private writeSlow(memory: Uint8Array, at: number, room: number): number {
    const bytes = this.slow.finish();
    if (bytes.length > room) return -bytes.length;
    memory.set(bytes, at);
    return bytes.length;
  }

  private encodeEach(): void {
    if (this.slowReady) return;
    const w = this.slow.reset();
    const { values, stamps, to } = this;
    for (let i = this.from; i < to; i++) {
      w.u32(0);
      w.f64(stamps[i]);
      w.lengthPrefixed(values[i] as string | Uint8Array);
    }
    this.slowReady = true;
  }
}

/** A timestamp as f64, NaN written as the canonical quiet NaN ("none"), as ByteWriter.f64 does. */
function setStamp(view: DataView, at: number, t: number): void {
  if (t !== t) {
    view.setUint32(at, 0, true);
    view.setUint32(at + 4, 0x7ff80000, true);
  } else {
    view.setFloat64(at, t, true);
  }
}
