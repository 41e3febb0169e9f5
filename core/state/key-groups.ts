/**
 * Key groups (Flink's KeyGroupRangeAssignment): keys hash to one of `maxParallelism` key groups,
 * and each subtask owns a contiguous range of key groups, so keyed state can be rescaled by
 * moving whole key groups.
 */
import { EddyError } from "../errors.ts";
import type { Key } from "./types.ts";

/** An inclusive range of key groups. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/** Largest max parallelism, as in Flink (2^15). */
export const UPPER_BOUND_MAX_PARALLELISM = 1 << 15;

let floatView: DataView | undefined;

/** Java's String.hashCode. */
function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java's Long.hashCode for a 64-bit value given as high and low 32-bit halves. */
function longHash(high: number, low: number): number {
  return (high ^ low) | 0;
}

function numberHash(n: number): number {
  if (Number.isInteger(n)) {
    // int32 hashes to itself (Integer.hashCode); larger safe integers like Long.hashCode.
    if (n >= -2147483648 && n <= 2147483647) return n | 0;
    if (Number.isSafeInteger(n)) {
      const low = n % 4294967296;
      const high = Math.floor(n / 4294967296);
      return longHash(high | 0, low | 0);
    }
  }
  // Double.hashCode: bits ^ (bits >>> 32). -0 was handled above as an integer.
  floatView ??= new DataView(new ArrayBuffer(8));
  floatView.setFloat64(0, n);
  return longHash(floatView.getInt32(0), floatView.getInt32(4));
}

function bigintHash(n: bigint): number {
  // Folds the magnitude 32 bits at a time like BigInteger.hashCode, then applies the sign.
  const negative = n < 0n;
  let m = negative ? -n : n;
  let h = 0;
  const words: number[] = [];
  while (m > 0n) {
    words.push(Number(m & 0xffffffffn));
    m >>= 32n;
  }
  for (let i = words.length - 1; i >= 0; i--) h = (Math.imul(h, 31) + words[i]!) | 0;
  return negative ? -h | 0 : h;
}

/**
 * A stable 32-bit hash of a key, the same on every runtime (Java's hashCode for strings, ints,
 * longs, doubles and booleans).
 */
export function keyHash(key: Key): number {
  switch (typeof key) {
    case "string":
      return stringHash(key);
    case "number":
      return numberHash(key);
    case "bigint":
      return bigintHash(key);
    case "boolean":
      return key ? 1231 : 1237;
    default:
      throw invalidKeyError(key);
  }
}

/** Flink's MathUtils.murmurHash: a non-negative murmur3 finalisation of one int. */
export function murmurHash(code: number): number {
  code = Math.imul(code, 0xcc9e2d51);
  code = (code << 15) | (code >>> 17);
  code = Math.imul(code, 0x1b873593);
  code = (code << 13) | (code >>> 19);
  code = (Math.imul(code, 5) + 0xe6546b64) | 0;
  code ^= 4;
  code ^= code >>> 16;
  code = Math.imul(code, 0x85ebca6b);
  code ^= code >>> 13;
  code = Math.imul(code, 0xc2b2ae35);
  code ^= code >>> 16;
  if (code >= 0) return code;
  if (code !== -2147483648) return -code;
  return 0;
}

/** The key group a key belongs to: `murmurHash(hash(key)) % maxParallelism`. */
export function keyGroupFor(key: Key, maxParallelism: number): number {
  return murmurHash(keyHash(key)) % maxParallelism;
}

/** The subtask that owns a key group: `keyGroup * parallelism / maxParallelism`, floored. */
export function operatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The subtask that owns a key. */
export function operatorIndexForKey(key: Key, maxParallelism: number, parallelism: number): number {
  return operatorIndexForKeyGroup(maxParallelism, parallelism, keyGroupFor(key, maxParallelism));
}

/** The key groups subtask `index` owns (inclusive), as Flink's computeKeyGroupRangeForOperatorIndex. */
export function keyGroupRangeForSubtask(maxParallelism: number, parallelism: number, index: number): KeyGroupRange {
  checkParallelism(maxParallelism, parallelism);
  if (!Number.isInteger(index) || index < 0 || index >= parallelism) {
    throw new EddyError(`[eddy] subtask index ${index} is out of range: expected an integer in [0, ${parallelism})`, {
      code: "INVALID_ARGUMENT",
    });
  }
  const start = Math.floor((index * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((index + 1) * maxParallelism - 1) / parallelism);
  return { start, end };
}

/** Flink's default max parallelism: 1.5 x parallelism rounded up to a power of two, within [128, 32768]. */
export function defaultMaxParallelism(parallelism: number): number {
  const target = parallelism + Math.floor(parallelism / 2);
  let p = 1;
  while (p < target) p *= 2;
  return Math.min(Math.max(p, 128), UPPER_BOUND_MAX_PARALLELISM);
}

/** Checks that `maxParallelism` and `parallelism` are usable together. */
export function checkParallelism(maxParallelism: number, parallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new EddyError(
      `[eddy] maxParallelism ${maxParallelism} is invalid: expected an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}]`,
      { code: "INVALID_ARGUMENT", domain: "user", retryable: false },
    );
  }
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new EddyError(
      `[eddy] parallelism ${parallelism} is invalid: expected an integer in [1, maxParallelism=${maxParallelism}]`,
      { code: "INVALID_ARGUMENT", domain: "user", retryable: false },
    );
  }
}

/** Whether a value can be used as a key: a string, bigint, boolean, or a number other than NaN. */
export function isValidKey(key: unknown): key is Key {
  const t = typeof key;
  return t === "string" || (t === "number" && key === key) || t === "bigint" || t === "boolean";
}

/** Describes a rejected key for error messages. */
function describeKey(key: unknown): string {
  if (key === null) return "null";
  if (Array.isArray(key)) return "an array";
  if (typeof key === "number") return "NaN";
  if (typeof key === "object") return `an object (${(key as object).constructor?.name ?? "Object"})`;
  return typeof key;
}

/** The error for a key that is not a primitive; `operator` names where it came from. */
export function invalidKeyError(key: unknown, operator?: string): EddyError {
  const where = operator === undefined ? "a key selector" : `the key selector of operator "${operator}"`;
  return new EddyError(
    `[eddy] ${where} returned ${describeKey(key)}: keys must be string | number | bigint | boolean (not NaN, null, undefined, objects or arrays)`,
    { code: "INVALID_KEY", domain: "user", operator, retryable: false },
  );
}

/** Throws {@link invalidKeyError} unless `key` is a valid key. */
export function checkKey(key: unknown, operator?: string): asserts key is Key {
  if (!isValidKey(key)) throw invalidKeyError(key, operator);
}
