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
{
  // Baseline: the same access pattern on one plain Map (random access over 1 M keys is bound by memory latency).
  const plain = new Map<string, number>();
  for (const k of keys) plain.set(k, 1);
  const t0 = performance.now();
  for (let i = 0; i < order.length; i++) {
    const k = keys[order[i]!]!;
    const old = plain.get(k);
    plain.set(k, old === undefined ? 1 : old + 1);
  }
  console.log(`baseline, plain Map get + set: ${((order.length / (performance.now() - t0)) * 1000 / 1e6).toFixed(2)} M ops/s`);
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

// The window operator's per-record path: key, namespace (window end), reducing add, and timer
// registration that is almost always a duplicate. 10% of records are late by up to one window.
import { HeapInternalTimerService } from "../core/time/timer-service.ts";
import { ManualProcessingTimeService } from "../core/time/manual-processing-time-service.ts";

for (const numKeys of [10_000, 100_000]) {
  const pts = new ManualProcessingTimeService();
  const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock: pts.clock });
  const counts = b.getState(new ReducingStateDescriptor<number>("count", (a, c) => a + c));
  let fired = 0;
  const timers = new HeapInternalTimerService({
    keyContext: b,
    triggerable: {
      onEventTime: (t) => {
        counts.setCurrentNamespace(t.namespace);
        fired += counts.get()!;
        counts.clear();
      },
      onProcessingTime: () => {},
    },
    processingTime: pts,
    maxParallelism: 128,
    keyGroupRange: { start: 0, end: 127 },
  });
  const wkeys = Array.from({ length: numKeys }, (_, i) => `key-${i}`);
  const N = 5_000_000;
  const size = 1_000;
  let s = 7;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const ts = i - (s % 10 === 0 ? s % size : 0); // one record per ms of event time
    const end = ts - (ts % size) + size;
    b.setCurrentKey(wkeys[s % numKeys]!);
    counts.setCurrentNamespace(end);
    counts.add(1);
    timers.registerEventTimeTimer(end, end - 1);
    if (i % 1000 === 999) timers.advanceWatermark(i - size - 1);
  }
  timers.advanceWatermark(Infinity);
  const t = performance.now() - t0;
  console.log(
    `window path, ${numKeys} keys: ${((N / t) * 1000 / 1e6).toFixed(2)} M records/s (key + namespace + reducing add + timer dedupe + firing), counted ${fired}`,
  );
}

{
  // 1 M keys of window state: a count per key in one window, plus each key's window timer.
  gc();
  const start = process.memoryUsage().heapUsed;
  const pts = new ManualProcessingTimeService();
  const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock: pts.clock });
  const counts = b.getState(new ReducingStateDescriptor<number>("count", (a, c) => a + c));
  const timers = new HeapInternalTimerService({
    keyContext: b,
    triggerable: { onEventTime: () => {}, onProcessingTime: () => {} },
    processingTime: pts,
    maxParallelism: 128,
    keyGroupRange: { start: 0, end: 127 },
  });
  counts.setCurrentNamespace(60_000);
  for (let i = 0; i < KEYS; i++) {
    b.setCurrentKey(keys[i]!);
    counts.add(1);
    timers.registerEventTimeTimer(60_000, 59_999);
  }
  gc();
  const used = process.memoryUsage().heapUsed - start;
  console.log(
    `1M keys of window state (count + timer): ${mb(used)} MB beyond the key strings; heapUsed ${mb(process.memoryUsage().heapUsed)} MB (${b.size()} entries, ${timers.numEventTimeTimers()} timers, ${keys.length} keys)`,
  );
}
