/**
 * Shared pieces of the benchmarks: timing, peak-memory sampling, a counting sink and running a
 * command. Runs on
 * Node, Deno and Bun.
 */
import { spawn } from "node:child_process";
import type { Sink } from "../core/index.ts";

/** Runs a command to its end and collects its output. */
export function runCommand(cmd: string, args: readonly string[], cwd?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(cwd !== undefined ? { cwd } : {}), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Uint8Array) => (out += String(d)));
    child.stderr.on("data", (d: Uint8Array) => (err += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** One measured row: Eddy's throughput next to the hand-written baseline's. */
export interface BenchRow {
  readonly name: string;
  readonly runtime: string;
  readonly events: number;
  readonly eddyEventsPerSecond: number;
  readonly baselineEventsPerSecond: number;
  readonly ratio: number;
  readonly peakHeapMb?: number;
  readonly note?: string;
}

/** The runtime this process runs on. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

/** Heap in use, bytes, on any of the three runtimes. */
export function heapUsed(): number {
  const g = globalThis as { process?: { memoryUsage(): { heapUsed: number } }; Deno?: { memoryUsage(): { heapUsed: number } } };
  return (g.process?.memoryUsage() ?? g.Deno?.memoryUsage() ?? { heapUsed: 0 }).heapUsed;
}

/** Samples the heap every 20 ms while `run` is in flight; returns its result and the peak. */
export async function withPeakHeap<T>(run: () => Promise<T>): Promise<{ result: T; peakBytes: number }> {
  let peak = heapUsed();
  const timer = setInterval(() => {
    peak = Math.max(peak, heapUsed());
  }, 20);
  try {
    const result = await run();
    peak = Math.max(peak, heapUsed());
    return { result, peakBytes: peak };
  } finally {
    clearInterval(timer);
  }
}

/** Runs `fn` and returns its wall time in ms. */
export async function timed(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** A sink that counts records and folds a checksum, so results can be compared with the baseline. */
export function countingSink<T>(fold: (acc: number, value: T) => number): { sink: Sink<T>; result: { count: number; checksum: number } } {
  const result = { count: 0, checksum: 0 };
  return {
    result,
    sink: {
      name: "counting sink",
      createWriter: () => ({
        write: (v: T) => {
          result.count++;
          result.checksum = fold(result.checksum, v);
        },
        flush: () => {},
      }),
    },
  };
}

/** Asks V8 to collect garbage when exposed (node --expose-gc, deno --v8-flags=--expose-gc, bun). */
export function collectGarbage(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
}
