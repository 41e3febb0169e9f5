/**
 * Shared by the WASM operator tests and the Deno/Bun runtime check: builds guests once per
 * process, and the plain-TypeScript twins of the example guests to compare against.
 */
import { componentEmbed, componentNew, parse } from "@bytecodealliance/jco";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { WIT_PATH, buildGuest, type BuiltGuest } from "../build/build-guest.ts";
import type { BatchRecord } from "./batch-codec.ts";

const root = new URL("../", import.meta.url);
const cache = new Map<string, Promise<BuiltGuest>>();

/** Builds `operators-wasm/<path>` once per process. */
export function guest(path: string): Promise<BuiltGuest> {
  let p = cache.get(path);
  if (!p) cache.set(path, (p = buildGuest({ source: fileURLToPath(new URL(path, root)) })));
  return p;
}

/** A component that exports the map interface but imports WASI randomness. */
export async function wasiImportingComponent(): Promise<Uint8Array> {
  const core = await parse(`(module
    (import "wasi:random/random@0.2.0" "get-random-u64" (func $r (result i64)))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
    (func (export "eddy:operator/map@0.1.0#process-batch") (param i32 i32) (result i32)
      (drop (call $r)) i32.const 0))`);
  const wit = (await readFile(WIT_PATH, "utf8")) +
    "\nworld sneaky-map { import wasi:random/random@0.2.0; export %map; }\n" +
    "\npackage wasi:random@0.2.0 { interface random { get-random-u64: func() -> u64; } }\n";
  return componentNew(await componentEmbed({ binary: core, witSource: wit, world: "eddy:operator/sneaky-map@0.1.0" }), []);
}

// ---- the example guests' logic in TypeScript ----

export function upperAscii(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

export const keepNonComment = (value: string): boolean => value.length > 0 && !value.startsWith("#");

export const splitWords = (value: string): string[] => value.split(" ").filter((w) => w.length > 0);

export const firstWord = (value: string): string => value.split(" ")[0]!;

export function leadingTimestamp(value: string): number | undefined {
  const m = /^[0-9]+/.exec(value);
  return m ? Number(m[0]) : undefined;
}

/** keyed-running-sum in TypeScript: state per key, timers at the end of each second. */
export class RunningSumReference {
  readonly sums = new Map<string, number>();
  readonly timers = new Set<string>(); // `${key}|${time}`

  process(records: readonly BatchRecord<string>[]): BatchRecord<string>[] {
    return records.map((r) => {
      const key = r.key ?? "";
      const sum = (this.sums.get(key) ?? 0) + Number.parseInt(r.value, 10);
      this.sums.set(key, sum);
      if (r.timestamp !== undefined) this.timers.add(`${key}|${Math.floor(r.timestamp / 1000) * 1000 + 999}`);
      return { ...r, value: String(sum) };
    });
  }

  fire(watermark: number): BatchRecord<string>[] {
    const due = [...this.timers]
      .map((t) => ({ id: t, key: t.slice(0, t.lastIndexOf("|")), time: Number(t.slice(t.lastIndexOf("|") + 1)) }))
      .filter((t) => t.time <= watermark)
      .sort((a, b) => a.time - b.time);
    for (const t of due) this.timers.delete(t.id);
    return due.map((t) => ({ key: t.key, timestamp: t.time, value: `fired@${t.time}:${this.sums.get(t.key) ?? 0}` }));
  }
}

/** Deterministic pseudo-random records (no Math.random: reproducible failures). */
export function sampleRecords(n: number, seed = 1): BatchRecord<string>[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const words = ["alpha", "Beta", "gamma", "#comment", "déjà", "vu", "日本", "", "zeta", "x"];
  return Array.from({ length: n }, (_, i) => {
    const parts = Array.from({ length: Math.floor(next() * 5) }, () => words[Math.floor(next() * words.length)]);
    const rec: BatchRecord<string> = { value: parts.join(next() < 0.2 ? "  " : " ") };
    if (next() < 0.8) rec.key = `k${Math.floor(next() * 7)}`;
    if (next() < 0.9) rec.timestamp = 1_700_000_000_000 + i * 137;
    return rec;
  });
}
