/**
 * Turns the values of a component's result batch into strings with one TextDecoder call per
 * batch instead of one per record.
 */
import { utf8String } from "./value-codec.ts";

const utf8d = new TextDecoder();

/**
 * Decodes the values of a validated packed result batch (see `recordOffsets` in operators.ts).
 * The value bytes are gathered into one buffer, checking on the way whether any byte is >= 0x80;
 * when none is, one `decode` gives a string whose char offsets are the byte offsets, and each
 * value is a `substring` of it. Otherwise each value is decoded on its own, so a UTF-8 sequence
 * split between two records never joins them, and every malformed sequence becomes U+FFFD in
 * its own record. Reused across batches (its buffer grows to the largest batch).
 */
export class ResultDecoder {
  private scratch = new Uint8Array(1 << 14);
  private scratchView = new DataView(this.scratch.buffer);
  /** The timestamps of the batch last decoded, by record. */
  stamps = new Float64Array(0);

  /** The value of every record of `out` as a string; their timestamps go to `stamps`. */
  strings(out: Uint8Array, offsets: Uint32Array): string[] {
    const n = offsets.length - 1;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (this.scratch.length < out.length) {
      this.scratch = new Uint8Array(Math.max(out.length, this.scratch.length * 2));
      this.scratchView = new DataView(this.scratch.buffer);
    }
    const scratch = this.scratch;
    const sv = this.scratchView;
    const ends = new Uint32Array(n);
    const stamps = (this.stamps = new Float64Array(n));
    let q = 0;
    let high = 0;
    for (let i = 0; i < n; i++) {
      const p = offsets[i]!;
      const ks = p + 4 + view.getUint32(p, true);
      stamps[i] = view.getFloat64(ks, true);
      const ve = offsets[i + 1]!;
      let j = ks + 12;
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
    }
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
