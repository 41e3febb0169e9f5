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

/**
 * Writes `len: u32` + the value's bytes and returns true; returns false, writing nothing, when the
 * encoding cannot carry the value: `string` and `bytes` take strings (as UTF-8) and Uint8Arrays
 * as they are, `json` any value JSON.stringify turns into text except a Uint8Array. Nothing is
 * converted behind the caller's back (`String({})` would reach the guest as "[object Object]").
 */
export function writeValue(w: ByteWriter, value: unknown, encoding: ValueEncoding): boolean {
  if (encoding !== "json") {
    if (typeof value !== "string" && !(value instanceof Uint8Array)) return false;
    w.lengthPrefixed(value);
    return true;
  }
  const text = jsonText(value);
  if (text === undefined) return false;
  w.lengthPrefixed(text);
  return true;
}

/** The JSON text `values: "json"` sends for `value`, or undefined when it cannot carry it (a Uint8Array, a BigInt, a cycle, undefined, a function). */
export function jsonText(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Why {@link writeValue} refused `value`, and what to do instead. */
export function unencodableValue(value: unknown, encoding: ValueEncoding): string {
  const what = describeValue(value);
  if (encoding !== "json") {
    return `a record value is ${what}, but values: "${encoding}"${encoding === "string" ? " (the default)" : ""} carries only strings and Uint8Arrays; ` +
      `pass { values: "json" } to send any JSON value, or turn the records into strings first`;
  }
  if (value instanceof Uint8Array) return `a record value is a Uint8Array, which values: "json" cannot carry; pass { values: "bytes" } to send bytes`;
  let reason = "JSON has no text for it";
  try {
    JSON.stringify(value);
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  return `a record value is ${what}, which values: "json" cannot carry (${reason})`;
}

/** "a number (42)", "an object ({\"a\":\"x\"})": the kind of a value and the start of it. */
function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  let text: string;
  try {
    text = typeof v === "bigint" ? `${v}n` : typeof v === "object" ? (JSON.stringify(v) ?? String(v)) : String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  const kind = Array.isArray(v) ? "an array" : v instanceof Uint8Array ? "a Uint8Array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
  return `${kind} (${text})`;
}

/** Parses a value a component returned under `values: "json"`; a SyntaxError naming `what` ("record 3 of 10") and the start of the text when it is not JSON. */
export function parseJsonValue(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const start = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    throw new SyntaxError(`${what} is not JSON (values: "json"): ${JSON.stringify(start)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
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
