/**
 * The text encoding of bulk state in snapshots: JSON, with tagged objects for what JSON loses.
 *
 * Supported values: everything JSON carries (plain objects, arrays, strings, finite numbers,
 * booleans, null) plus `bigint`, `Map`, `Set`, `Date`, `undefined`, `NaN` and `±Infinity`
 * (but `-0` comes back as `0`),
 * nested anywhere. Class instances come back as plain objects (their prototype is lost);
 * functions and symbols are not supported. Measured at 1 M entries, the replacer costs about
 * 2x a plain `JSON.stringify`, still ~40x faster than superjson; decoding only walks the
 * parsed tree when the text contains a tag.
 */
import type { Key, Namespace } from "./types.ts";

const TAG = "$eddy";
const TAG_PROBE = `"${TAG}"`;

type Tagged = { [TAG]: string; v?: unknown };

/** Encodes a key or namespace: primitives stay as they are, except bigints and non-finite numbers. */
export function encodeKey(key: Key | Namespace): unknown {
  if (typeof key === "bigint") return { [TAG]: "bigint", v: key.toString() };
  if (typeof key === "number" && !Number.isFinite(key)) return { [TAG]: "number", v: String(key) };
  return key;
}

/** Inverse of {@link encodeKey}. */
export function decodeKey(encoded: unknown): Key {
  if (typeof encoded === "object" && encoded !== null) return reviveTagged(encoded as Tagged) as Key;
  return encoded as Key;
}

function replacer(this: Record<string, unknown>, k: string, v: unknown): unknown {
  switch (typeof v) {
    case "object": {
      if (v === null || Array.isArray(v)) return v;
      if (v instanceof Map) return { [TAG]: "Map", v: Array.from(v) };
      if (v instanceof Set) return { [TAG]: "Set", v: Array.from(v) };
      if (Object.prototype.hasOwnProperty.call(v, TAG)) return { [TAG]: "object", v: Object.entries(v as object) };
      return v;
    }
    case "string": {
      // Date.prototype.toJSON has already run: look at the raw value.
      const raw = this[k];
      if (raw instanceof Date) return { [TAG]: "Date", v: raw.getTime() };
      return v;
    }
    case "number":
      return Number.isFinite(v) ? v : { [TAG]: "number", v: String(v) };
    case "bigint":
      return { [TAG]: "bigint", v: v.toString() };
    case "undefined":
      // Top-level properties that are undefined are dropped by JSON anyway; inside arrays keep them.
      return { [TAG]: "undefined" };
    default:
      return v;
  }
}

/**
 * Whether `value` holds anything plain JSON would lose (bigint, Map, Set, Date, undefined,
 * non-finite numbers, or an object with a `$eddy` property). Walking is much cheaper than a
 * replacer, so most snapshots skip it.
 */
export function needsTags(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return false;
    case "number":
      return !Number.isFinite(value);
    case "object": {
      if (value === null) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (needsTags(value[i])) return true;
        return false;
      }
      if (value instanceof Map || value instanceof Set || value instanceof Date) return true;
      const obj = value as Record<string, unknown>;
      for (const k in obj) {
        if (k === TAG || needsTags(obj[k])) return true;
      }
      return false;
    }
    default:
      return true;
  }
}

/** Encodes state tuples to text; pass `plain` when {@link needsTags} found nothing to tag. */
export function stringifyState(value: unknown, plain = false): string {
  return plain ? JSON.stringify(value) : JSON.stringify(value, replacer);
}

/** Decodes text written by {@link stringifyState}. */
export function parseState(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  return text.includes(TAG_PROBE) ? revive(parsed) : parsed;
}

function revive(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj[TAG] === "string") return reviveTagged(obj as Tagged);
  for (const k of Object.keys(obj)) obj[k] = revive(obj[k]);
  return obj;
}

function reviveTagged(t: Tagged): unknown {
  switch (t[TAG]) {
    case "bigint":
      return BigInt(t.v as string);
    case "number":
      return Number(t.v as string);
    case "undefined":
      return undefined;
    case "Date":
      return new Date(t.v as number);
    case "Map":
      return new Map((t.v as [unknown, unknown][]).map(([k, v]) => [revive(k), revive(v)]));
    case "Set":
      return new Set((t.v as unknown[]).map(revive));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of t.v as [string, unknown][]) out[k] = revive(v);
      return out;
    }
    default:
      return t;
  }
}
