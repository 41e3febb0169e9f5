/**
 * Turns the values of a component's result batch into strings with one TextDecoder call per
 * batch instead of one per record.
 */
import { utf8String } from "./value-codec.ts";

const utf8d = new TextDecoder();

/**
 * Decodes the values of a packed result batch. The value bytes are gathered into one buffer,
 * checking on the way whether any byte is >= 0x80; when none is, one `decode` gives a string
 * whose char offsets are the byte offsets, and each value is a `substring` of it. Otherwise
 * each value is decoded on its own, so a UTF-8 sequence split between two records never joins
 * them, and every malformed sequence becomes U+FFFD in its own record. Reused across batches
 * (its buffer grows to the largest batch).
 */
export class ResultDecoder {
  private scratch = new Uint8Array(1 << 14);
  private scratchView = new DataView(this.scratch.buffer);
  /** The timestamps of the batch last decoded, by record. */
  stamps = new Float64Array(0);

  /**
   * The value of every record of the packed batch `out` as a string; their timestamps go to
   * `stamps`. Checks the layout on the way: a RangeError names what does not fit.
   */
  strings(out: Uint8Array): string[] {
    const len = out.length;
    if (len < 4) throw new RangeError("packed batch shorter than its count");
    const view = new DataView(out.buffer, out.byteOffset, len);
    const n = view.getUint32(0, true);
    if (n * 16 > len - 4) throw new RangeError(`packed batch claims ${n} records but only ${len - 4} bytes remain`);
    if (this.scratch.length < len) {
      this.scratch = new Uint8Array(Math.max(len, this.scratch.length * 2));
      this.scratchView = new DataView(this.scratch.buffer);
    }
    const scratch = this.scratch;
    const sv = this.scratchView;
    const ends = new Uint32Array(n);
    const stamps = (this.stamps = new Float64Array(n));
    let q = 0;
    let high = 0;
    let p = 4;
    for (let i = 0; i < n; i++) {
      if (p + 4 > len) throw truncated(i, n);
      const ks = p + 4 + view.getUint32(p, true);
      if (ks + 12 > len) throw truncated(i, n);
      stamps[i] = view.getFloat64(ks, true);
      let j = ks + 12;
      const ve = j + view.getUint32(ks + 8, true);
      if (ve > len) throw truncated(i, n);
      // four bytes at a time (a byte loop costs twice as much), then the tail
      for (; j + 4 <= ve; j += 4) {
        const w = view.getUint32(j, true);
        high |= w;
        sv.setUint32(q, w, true);
        q += 4;
      }
      for (; j < ve; j++) {
        const b = out[j]!;
        high |= b;
        scratch[q++] = b;
      }
      ends[i] = q;
      p = ve;
    }
    if (p !== len) throw new RangeError(`${len - p} trailing bytes after the records`);
    const strings: string[] = new Array(n);
    let start = 0;
    if ((high & 0x80808080) === 0) {
      const text = utf8d.decode(scratch.subarray(0, q));
      for (let i = 0; i < n; i++) {
        const end = ends[i]!;
        strings[i] = text.substring(start, end);
        start = end;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const end = ends[i]!;
        strings[i] = utf8String(scratch, start, end);
        start = end;
      }
    }
    return strings;
  }
}

function truncated(i: number, n: number): RangeError {
  return new RangeError(`record ${i} of ${n} truncated`);
}
