/**
 * Memory and speed of the heap keyed state backend: 1 M keys of a ReducingState in one namespace.
 * Run: `node --expose-gc --import tsx bench/keyed-state-memory.ts` (not a test; prints numbers).
 */
import { HeapKeyedStateBackend } from "../core/state/heap-keyed-state-backend.ts";
import { ReducingStateDescriptor } from "../core/state/types.ts";
import { SystemClock } from "../core/time/clocks.ts";

declare const process: { memoryUsage(): { heapUsed: number } };
declare function gc(): void;

const KEYS = 1_000_000;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

gc();
const before = process.memoryUsage().heapUsed;
const backend = new HeapKeyedStateBackend({ maxParallelism: 128, clock: new SystemClock() });
const state = backend.getState(new ReducingStateDescriptor<number>("count", (a, b) => a + b));
const keys: string[] = [];
for (let i = 0; i < KEYS; i++) keys.push(`user-${i}`);
gc();
const keysOnly = process.memoryUsage().heapUsed;

for (let i = 0; i < KEYS; i++) {
  backend.setCurrentKey(keys[i]!);
  state.add(1);
}
gc();
const after = process.memoryUsage().heapUsed;
console.log(`1M keys: heapUsed ${mb(after)} MB total, state ${mb(after - keysOnly)} MB (+ key strings ${mb(keysOnly - before)} MB), size()=${backend.size()}`);

// Steady-state throughput: setCurrentKey + add over existing keys, random order (10% disorder-like).
const order = new Uint32Array(5_000_000);
let seed = 42;
for (let i = 0; i < order.length; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  order[i] = seed % KEYS;
}
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  for (let i = 0; i < order.length; i++) {
    backend.setCurrentKey(keys[order[i]!]!);
    state.add(1);
  }
  const t = performance.now() - t0;
  console.log(`setCurrentKey + reducing add: ${((order.length / t) * 1000 / 1e6).toFixed(2)} M ops/s`);
}
const t1 = performance.now();
const snap = backend.snapshot();
const t2 = performance.now();
let bytes = 0;
for (const s of snap.keyGroups.values()) bytes += s.length;
const restored = new HeapKeyedStateBackend({ maxParallelism: 128, clock: new SystemClock() });
restored.restore([snap]);
const t3 = performance.now();
console.log(`snapshot ${(t2 - t1).toFixed(0)} ms (${mb(bytes)} MB of text in ${snap.keyGroups.size} key groups), restore ${(t3 - t2).toFixed(0)} ms, restored size ${restored.size()}`);
