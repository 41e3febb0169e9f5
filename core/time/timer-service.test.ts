import { describe, expect, it } from "vitest";
import { HeapKeyedStateBackend } from "../state/heap-keyed-state-backend.ts";
import { keyGroupRangeForSubtask, operatorIndexForKey } from "../state/key-groups.ts";
import type { Key } from "../state/types.ts";
import { ManualProcessingTimeService } from "./manual-processing-time-service.ts";
import { HeapInternalTimerService } from "./timer-service.ts";
import type { Timer, Triggerable } from "./types.ts";
import { mulberry32 as rng } from "../testing/random.ts";


type Fired = [domain: "e" | "p", key: Key, namespace: number | string, timestamp: number, currentKey: Key];

function setup(options: { parallelism?: number; index?: number; onFire?: (t: Timer, domain: "e" | "p") => void } = {}) {
  const maxParallelism = 128;
  const keyGroupRange = keyGroupRangeForSubtask(maxParallelism, options.parallelism ?? 1, options.index ?? 0);
  const pts = new ManualProcessingTimeService();
  const backend = new HeapKeyedStateBackend({ maxParallelism, keyGroupRange, clock: pts.clock });
  const fired: Fired[] = [];
  const triggerable: Triggerable = {
    onEventTime: (t) => {
      fired.push(["e", t.key, t.namespace, t.timestamp, backend.getCurrentKey()]);
      options.onFire?.(t, "e");
    },
    onProcessingTime: (t) => {
      fired.push(["p", t.key, t.namespace, t.timestamp, backend.getCurrentKey()]);
      options.onFire?.(t, "p");
    },
  };
  const timers = new HeapInternalTimerService({ keyContext: backend, triggerable, processingTime: pts, maxParallelism, keyGroupRange });
  return { backend, timers, pts, fired };
}

describe("HeapInternalTimerService", () => {
  it("fires event-time timers in (timestamp, registration) order, deduplicated, minus deleted ones (random vs reference)", () => {
    const { backend, timers, fired } = setup();
    const r = rng(3);
    // Reference: id -> registration sequence of live timers.
    const live = new Map<string, { key: string; ns: number; ts: number; seq: number }>();
    let seq = 0;
    let watermark = -Infinity;
    const expected: Fired[] = [];
    for (let i = 0; i < 5000; i++) {
      const key = `k${Math.floor(r() * 20)}`;
      const ns = Math.floor(r() * 3);
      const ts = Math.floor(r() * 50) * 10 + (watermark === -Infinity ? 0 : watermark);
      backend.setCurrentKey(key);
      const id = `${key}|${ns}|${ts}`;
      const op = r();
      if (op < 0.6) {
        timers.registerEventTimeTimer(ns, ts);
        if (!live.has(id)) live.set(id, { key, ns, ts, seq: seq++ });
      } else if (op < 0.8) {
        timers.deleteEventTimeTimer(ns, ts);
        live.delete(id);
      } else {
        watermark = (watermark === -Infinity ? 0 : watermark) + Math.floor(r() * 60);
        const due = [...live.entries()].filter(([, t]) => t.ts <= watermark).sort((a, b) => a[1].ts - b[1].ts || a[1].seq - b[1].seq);
        for (const [id, t] of due) {
          expected.push(["e", t.key, t.ns, t.ts, t.key]);
          live.delete(id);
        }
        const from = fired.length;
        timers.advanceWatermark(watermark);
        expect(fired.slice(from)).toEqual(expected.slice(from));
        expect(fired.length).toBe(expected.length);
        expect(timers.currentWatermark()).toBe(watermark);
      }
      expect(timers.numEventTimeTimers()).toBe(live.size);
    }
  });

  it("fires timers registered (and skips timers deleted) while firing, in the same pass", () => {
    const log: string[] = [];
    const env = setup({
      onFire: (t) => {
        log.push(`${String(t.key)}@${t.timestamp}`);
        if (t.key === "a" && t.timestamp === 10) {
          env.timers.registerEventTimeTimer(0, 15); // later in this pass
          env.backend.setCurrentKey("c");
          env.timers.registerEventTimeTimer(0, 10); // same timestamp, new key: fires in this pass
          env.backend.setCurrentKey("b");
          env.timers.deleteEventTimeTimer(0, 10); // b@10 not fired yet: cancelled
          env.timers.registerEventTimeTimer(0, 100); // beyond the watermark: stays
        }
      },
    });
    const { backend, timers } = env;
    for (const k of ["a", "b"]) {
      backend.setCurrentKey(k);
      timers.registerEventTimeTimer(0, 10);
    }
    timers.advanceWatermark(20);
    expect(log).toEqual(["a@10", "c@10", "a@15"]);
    expect(timers.numEventTimeTimers()).toBe(1);
  });

  it("orders ties across namespaces by registration", () => {
    const { backend, timers, fired } = setup();
    const order: [string, number][] = [
      ["x", 1],
      ["y", 2],
      ["z", 1],
      ["x", 2],
    ];
    for (const [k, ns] of order) {
      backend.setCurrentKey(k);
      timers.registerEventTimeTimer(ns, 5);
    }
    timers.advanceWatermark(5);
    expect(fired.map((f) => [f[1], f[2]])).toEqual(order);
  });

  it("fires processing-time timers when the clock passes them, with one scheduled callback", () => {
    const { backend, timers, pts, fired } = setup();
    backend.setCurrentKey("a");
    timers.registerProcessingTimeTimer("w", 100);
    timers.registerProcessingTimeTimer("w", 50);
    backend.setCurrentKey("b");
    timers.registerProcessingTimeTimer("w", 50);
    timers.registerProcessingTimeTimer("w", 70);
    timers.deleteProcessingTimeTimer("w", 70);
    expect(pts.pendingCount).toBe(1);
    expect(pts.nextTimestamp()).toBe(50);
    pts.advanceTo(60);
    expect(fired).toEqual([
      ["p", "a", "w", 50, "a"],
      ["p", "b", "w", 50, "b"],
    ]);
    expect(pts.nextTimestamp()).toBe(100);
    pts.advanceTo(100);
    expect(fired.length).toBe(3);
    expect(pts.pendingCount).toBe(0);
    expect(timers.currentProcessingTime()).toBe(100);
  });

  it("keeps timers whose callback threw", () => {
    let fail = true;
    const env = setup({
      onFire: () => {
        if (fail) throw new Error("boom");
      },
    });
    env.backend.setCurrentKey("a");
    env.timers.registerEventTimeTimer(0, 1);
    env.backend.setCurrentKey("b");
    env.timers.registerEventTimeTimer(0, 1);
    expect(() => env.timers.advanceWatermark(5)).toThrow("boom");
    expect(env.timers.numEventTimeTimers()).toBe(1);
    fail = false;
    env.timers.advanceWatermark(6);
    expect(env.fired.map((f) => f[1])).toEqual(["a", "b"]);
  });

  it("rescales timers with their key groups and re-schedules processing time", () => {
    const keys: Key[] = Array.from({ length: 300 }, (_, i) => (i % 2 ? `k${i}` : i));
    const old = [setup({ parallelism: 2, index: 0 }), setup({ parallelism: 2, index: 1 })];
    for (const k of keys) {
      const s = old[operatorIndexForKey(k, 128, 2)]!;
      s.backend.setCurrentKey(k);
      s.timers.registerEventTimeTimer("ns", 1000);
      s.timers.registerProcessingTimeTimer("ns", 2000);
    }
    const snaps = old.map((s) => s.timers.snapshot());
    const all: Fired[] = [];
    for (let i = 0; i < 3; i++) {
      const s = setup({ parallelism: 3, index: i });
      s.timers.restore(snaps);
      expect(s.pts.nextTimestamp()).toBe(2000);
      s.timers.advanceWatermark(Infinity);
      s.pts.advanceTo(2000);
      for (const f of s.fired) expect(operatorIndexForKey(f[1], 128, 3)).toBe(i);
      all.push(...s.fired);
    }
    expect(all.filter((f) => f[0] === "e").map((f) => String(f[1])).sort()).toEqual(keys.map(String).sort());
    expect(all.filter((f) => f[0] === "p").length).toBe(keys.length);
  });

  it("rejects NaN timestamps", () => {
    const { backend, timers } = setup();
    backend.setCurrentKey("a");
    expect(() => timers.registerEventTimeTimer(0, Number.NaN)).toThrow(/timestamp NaN/);
  });
});
