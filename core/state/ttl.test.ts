import { describe, expect, it } from "vitest";
import { ManualClock } from "../time/clocks.ts";
import { HeapKeyedStateBackend } from "./heap-keyed-state-backend.ts";
import {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  type TtlStateVisibility,
  type TtlUpdateType,
  ValueStateDescriptor,
} from "./types.ts";
import { mulberry32 as rng } from "../testing/random.ts";


const TTL = 100;
const configs: [TtlUpdateType, TtlStateVisibility][] = [
  ["OnCreateAndWrite", "NeverReturnExpired"],
  ["OnReadAndWrite", "NeverReturnExpired"],
  ["OnCreateAndWrite", "ReturnExpiredIfNotCleanedUp"],
  ["OnReadAndWrite", "ReturnExpiredIfNotCleanedUp"],
];

function ttlConfig(update: TtlUpdateType, visibility: TtlStateVisibility) {
  // Background cleanup would remove entries the reference still returns once; it has its own test.
  return StateTtlConfig.newBuilder(TTL).setUpdateType(update).setStateVisibility(visibility).disableCleanupInBackground().build();
}

/** Flink's TTL rules for one entry, written independently of the backend. */
class RefEntry<T> {
  constructor(
    public v: T,
    public last: number,
  ) {}
}
function refRead<T>(
  e: RefEntry<T> | undefined,
  now: number,
  update: TtlUpdateType,
  visibility: TtlStateVisibility,
): { value: T | undefined; keep: boolean } {
  if (e === undefined) return { value: undefined, keep: false };
  if (e.last + TTL <= now) return { value: visibility === "ReturnExpiredIfNotCleanedUp" ? e.v : undefined, keep: false };
  if (update === "OnReadAndWrite") e.last = now;
  return { value: e.v, keep: true };
}

describe.each(configs)("TTL %s / %s", (update, visibility) => {
  it("ValueState follows Flink's expiry, refresh and visibility rules", () => {
    const clock = new ManualClock(1000);
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock });
    const s = b.getState(new ValueStateDescriptor<number>("v").enableTimeToLive(ttlConfig(update, visibility)));
    const ref = new Map<string, RefEntry<number>>();
    const r = rng(7);
    for (let i = 0; i < 3000; i++) {
      clock.advanceBy(Math.floor(r() * 40));
      const key = `k${Math.floor(r() * 5)}`;
      b.setCurrentKey(key);
      if (r() < 0.3) {
        const v = Math.floor(r() * 1000);
        s.update(v);
        ref.set(key, new RefEntry(v, clock.now()));
      } else {
        const expected = refRead(ref.get(key), clock.now(), update, visibility);
        if (!expected.keep) ref.delete(key);
        expect(s.value()).toBe(expected.value);
      }
    }
  });

  it("ListState applies TTL per element", () => {
    const clock = new ManualClock(0);
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock });
    const s = b.getState(new ListStateDescriptor<number>("l").enableTimeToLive(ttlConfig(update, visibility)));
    let ref: RefEntry<number>[] = [];
    const r = rng(11);
    b.setCurrentKey("k");
    for (let i = 0; i < 2000; i++) {
      clock.advanceBy(Math.floor(r() * 30));
      if (r() < 0.5) {
        const v = i;
        s.add(v);
        ref.push(new RefEntry(v, clock.now()));
      } else {
        const now = clock.now();
        const results = ref.map((e) => refRead(e, now, update, visibility));
        const expected = results.filter((x) => x.value !== undefined).map((x) => x.value);
        ref = ref.filter((_, j) => results[j]!.keep);
        expect(s.get()).toEqual(expected);
      }
    }
  });

  it("MapState applies TTL per entry", () => {
    const clock = new ManualClock(0);
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock });
    const s = b.getState(new MapStateDescriptor<string, number>("m").enableTimeToLive(ttlConfig(update, visibility)));
    const ref = new Map<string, RefEntry<number>>();
    const r = rng(13);
    b.setCurrentKey("k");
    for (let i = 0; i < 2000; i++) {
      clock.advanceBy(Math.floor(r() * 30));
      const uk = `u${Math.floor(r() * 6)}`;
      const op = r();
      if (op < 0.4) {
        s.put(uk, i);
        ref.set(uk, new RefEntry(i, clock.now()));
      } else if (op < 0.8) {
        const expected = refRead(ref.get(uk), clock.now(), update, visibility);
        if (!expected.keep) ref.delete(uk);
        expect(s.get(uk)).toBe(expected.value);
      } else {
        const now = clock.now();
        const expected: [string, number][] = [];
        for (const [k, e] of [...ref]) {
          const x = refRead(e, now, update, visibility);
          if (x.value !== undefined) expected.push([k, x.value]);
          if (!x.keep) ref.delete(k);
        }
        expect(s.entries().sort()).toEqual(expected.sort());
      }
    }
  });
});

describe("TTL cleanup", () => {
  it("does not write expired entries to snapshots (cleanupFullSnapshot)", () => {
    const clock = new ManualClock(0);
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock });
    const config = StateTtlConfig.newBuilder(TTL).returnExpiredIfNotCleanedUp().build();
    const v = b.getState(new ValueStateDescriptor<number>("v").enableTimeToLive(config));
    const l = b.getState(new ListStateDescriptor<number>("l").enableTimeToLive(config));
    const m = b.getState(new MapStateDescriptor<string, number>("m").enableTimeToLive(config));
    for (let i = 0; i < 10; i++) {
      b.setCurrentKey(i);
      v.update(i);
      l.add(i);
      m.put("old", i);
    }
    clock.advanceTo(60);
    for (let i = 0; i < 5; i++) {
      b.setCurrentKey(i);
      v.update(i * 10);
      l.add(i * 10);
      m.put("new", i);
    }
    clock.advanceTo(TTL); // the first writes are now expired, the second ones not
    const snap = b.snapshot();
    expect(b.size()).toBe(30); // local state is not touched by the snapshot
    const r = new HeapKeyedStateBackend({ maxParallelism: 128, clock });
    r.restore([snap]);
    expect(r.size()).toBe(15);
    const rv = r.getState(new ValueStateDescriptor<number>("v").enableTimeToLive(config));
    const rl = r.getState(new ListStateDescriptor<number>("l").enableTimeToLive(config));
    const rm = r.getState(new MapStateDescriptor<string, number>("m").enableTimeToLive(config));
    for (let i = 0; i < 10; i++) {
      r.setCurrentKey(i);
      expect(rv.value()).toBe(i < 5 ? i * 10 : undefined);
      expect(rl.get()).toEqual(i < 5 ? [i * 10] : []);
      expect(rm.entries()).toEqual(i < 5 ? [["new", i]] : []);
    }
  });

  it("cleans expired entries in full and incrementally on writes", () => {
    const clock = new ManualClock(0);
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock });
    const config = StateTtlConfig.newBuilder(TTL).build();
    const r = b.getState(new ReducingStateDescriptor<number>("r", (a, c) => a + c).enableTimeToLive(config));
    for (let i = 0; i < 100; i++) {
      b.setCurrentKey(i);
      r.add(1);
    }
    clock.advanceTo(TTL);
    // Each write checks 5 entries: 30 writes to one key sweep all 100 expired entries.
    b.setCurrentKey("fresh");
    for (let i = 0; i < 30; i++) r.add(1);
    expect(b.size()).toBe(1);
    expect(r.get()).toBe(30);
    for (let i = 0; i < 10; i++) {
      b.setCurrentKey(i);
      r.add(1);
    }
    clock.advanceTo(2 * TTL + 50);
    expect(b.cleanupExpired()).toBe(11);
    expect(b.size()).toBe(0);
  });

  it("rejects a non-positive TTL naming the state", () => {
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock: new ManualClock() });
    expect(() => b.getState(new ValueStateDescriptor("bad").enableTimeToLive(StateTtlConfig.newBuilder(0).build()))).toThrow(
      /TTL of state "bad" is 0/,
    );
  });
});
