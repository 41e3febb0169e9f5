/**
 * How record values (and keys) cross the component boundary: strings as UTF-8, bytes as they
 * are, or JSON text; and fast readers for the packed results.
 */
import type { ByteWriter } from "./batch-codec.ts";

/**
 * `string` (default): values are strings, sent as UTF-8; `bytes`: Uint8Array; `json`: any JSON value.
 * With `bytes`, the values a component emits are views into one buffer per batch (no copy per
 * record): copy one (`value.slice()`) to keep it long on its own, or before using `value.buffer`.
 */
export type ValueEncoding = "string" | "bytes" | "json";

const utf8d = new TextDecoder();

/** Writes `len: u32` + the value's bytes. Strings and Uint8Arrays go as they are under every encoding but `json`. */
export function writeValue(w: ByteWriter, value: unknown, encoding: ValueEncoding): void {
  if (encoding === "json") w.lengthPrefixed(JSON.stringify(value) ?? "null");
  else if (typeof value === "string" || value instanceof Uint8Array) w.lengthPrefixed(value);
  else w.lengthPrefixed(String(value));
}

/**
 * UTF-8 bytes `[start, end)` of `buf` as a string. Short ASCII runs are built with
 * String.fromCharCode: a TextDecoder call costs more than that for the small values streams carry.
 */
export function utf8String(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return "";
  if (n <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  return utf8d.decode(buf.subarray(start, end));
}

/** Reads the value at `[start, end)` in the given encoding. */
export function readValue(buf: Uint8Array, start: number, end: number, encoding: ValueEncoding): unknown {
  if (encoding === "bytes") return buf.slice(start, end);
  const s = utf8String(buf, start, end);
  return encoding === "json" ? JSON.parse(s) : s;
}

/** Bytes as a latin1 string (one char per byte): how opaque guest bytes are kept in Eddy's state (JSON-safe). */
export function bytesToLatin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x2000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x2000) as unknown as number[]);
  return s;
}

export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
