import { describe, expect, it } from "vitest";
import { ManualClock } from "../time/clocks.ts";
import { HeapKeyedStateBackend } from "./heap-keyed-state-backend.ts";
import { keyGroupFor, keyGroupRangeForSubtask, operatorIndexForKey } from "./key-groups.ts";
import {
  AggregatingStateDescriptor,
  type AggregateFunction,
  type Key,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from "./types.ts";
import { mulberry32 as rng } from "../testing/random.ts";


const avg: AggregateFunction<number, { sum: number; n: number }, number> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
  getResult: (acc) => acc.sum / acc.n,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

function newBackend(clock = new ManualClock(), maxParallelism = 128, parallelism = 1, index = 0) {
  return new HeapKeyedStateBackend({
    maxParallelism,
    keyGroupRange: keyGroupRangeForSubtask(maxParallelism, parallelism, index),
    clock,
  });
}

function allStates(b: HeapKeyedStateBackend) {
  return {
    value: b.getState(new ValueStateDescriptor<number>("value", -1)),
    list: b.getState(new ListStateDescriptor<string>("list")),
    map: b.getState(new MapStateDescriptor<string, number>("map")),
    reducing: b.getState(new ReducingStateDescriptor<number>("reducing", (a, c) => a + c)),
    aggregating: b.getState(new AggregatingStateDescriptor("aggregating", avg)),
  };
}

type Model = Map<string, { value?: number; list?: string[]; map?: Map<string, number>; sum?: number; agg?: number[] }>;

/** Reads every state for every (key, namespace) the model knows. */
function readAll(b: HeapKeyedStateBackend, keys: Key[], namespaces: number[]) {
  const s = allStates(b);
  const out: unknown[] = [];
  for (const k of keys) {
    b.setCurrentKey(k);
    for (const ns of namespaces) {
      for (const st of Object.values(s)) st.setCurrentNamespace(ns);
      out.push([k, ns, s.value.value(), s.list.get(), s.map.entries().sort(), s.reducing.get(), s.aggregating.get()]);
    }
  }
  return out;
}

function expectedAll(model: Model, keys: Key[], namespaces: number[]) {
  const out: unknown[] = [];
  for (const k of keys) {
    for (const ns of namespaces) {
      const m = model.get(`${String(k)}|${ns}`) ?? {};
      const agg = m.agg;
      out.push([
        k,
        ns,
        m.value ?? -1,
        m.list ?? [],
        [...(m.map ?? new Map())].sort(),
        m.sum,
        agg === undefined ? undefined : agg.reduce((x, y) => x + y, 0) / agg.length,
      ]);
    }
  }
  return out;
}

/** Applies random operations to the backend and to a plain model; returns the keys used. */
function randomOps(b: HeapKeyedStateBackend, model: Model, seed: number, ops: number, keys: Key[], namespaces: number[]) {
  const r = rng(seed);
  const s = allStates(b);
  for (let i = 0; i < ops; i++) {
    const k = keys[Math.floor(r() * keys.length)]!;
    const ns = namespaces[Math.floor(r() * namespaces.length)]!;
    b.setCurrentKey(k);
    for (const st of Object.values(s)) st.setCurrentNamespace(ns);
    const id = `${String(k)}|${ns}`;
    const m = model.get(id) ?? {};
    model.set(id, m);
    const v = Math.floor(r() * 100);
    switch (Math.floor(r() * 10)) {
      case 0:
        s.value.update(v);
        m.value = v;
        break;
      case 1:
        s.value.clear();
        delete m.value;
        break;
      case 2:
        s.list.add(`e${v}`);
        (m.list ??= []).push(`e${v}`);
        break;
      case 3:
        s.list.update([`u${v}`, `w${v}`]);
        m.list = [`u${v}`, `w${v}`];
        break;
      case 4:
        s.map.put(`k${v % 5}`, v);
        (m.map ??= new Map()).set(`k${v % 5}`, v);
        break;
      case 5:
        s.map.remove(`k${v % 5}`);
        m.map?.delete(`k${v % 5}`);
        if (m.map?.size === 0) delete m.map;
        break;
      case 6:
        s.reducing.add(v);
        m.sum = (m.sum ?? 0) + v;
        break;
      case 7:
        s.aggregating.add(v);
        (m.agg ??= []).push(v);
        break;
      case 8: {
        // Merge two other namespaces into this one (session windows).
        const sources = namespaces.filter((x) => x !== ns && r() < 0.5);
        for (const st of [s.list, s.reducing, s.aggregating]) st.mergeNamespaces!(ns, sources);
        for (const src of sources) {
          const o = model.get(`${String(k)}|${src}`);
          if (o === undefined) continue;
          if (o.list) (m.list ??= []).push(...o.list);
          if (o.sum !== undefined) m.sum = (m.sum ?? 0) + o.sum;
          if (o.agg) (m.agg ??= []).push(...o.agg);
          delete o.list;
          delete o.sum;
          delete o.agg;
        }
        break;
      }
      default:
        s.list.clear();
        s.reducing.clear();
        delete m.list;
        delete m.sum;
    }
  }
}

describe("HeapKeyedStateBackend", () => {
  const keys: Key[] = ["a", "b", 1, 2.5, 7n, true, "ü"];
  const namespaces = [0, 10, 20, 30];

  it("scopes every state kind to the current key and namespace (random ops vs a model)", () => {
    const b = newBackend();
    const model: Model = new Map();
    randomOps(b, model, 1, 5000, keys, namespaces);
    expect(readAll(b, keys, namespaces)).toEqual(expectedAll(model, keys, namespaces));
  });

  it("returns fresh arrays from list state and the same state for the same name", () => {
    const b = newBackend();
    const l = b.getState(new ListStateDescriptor<number>("l"));
    b.setCurrentKey("k");
    l.add(1);
    l.get().push(99);
    expect(l.get()).toEqual([1]);
    expect(b.getState(new ListStateDescriptor<number>("l"))).toBe(l);
    expect(() => b.getState(new ValueStateDescriptor<number>("l"))).toThrow(/"l" is list state but was requested as value state/);
  });

  it("clears empty entries, counts size and lists keys per namespace", () => {
    const b = newBackend();
    const v = b.getState(new ValueStateDescriptor<number>("v"));
    for (const k of ["x", "y", "z"]) {
      b.setCurrentKey(k);
      v.setCurrentNamespace(1);
      v.update(1);
      v.setCurrentNamespace(2);
      v.update(2);
    }
    expect(b.size()).toBe(6);
    expect([...b.keys("v", 1)].sort()).toEqual(["x", "y", "z"]);
    for (const k of ["x", "y", "z"]) {
      b.setCurrentKey(k);
      v.setCurrentNamespace(1);
      v.clear();
    }
    expect(b.size()).toBe(3);
    expect([...b.keys("v", 1)]).toEqual([]);
    expect([...b.namespaces("v")]).toEqual([2]);
    b.setCurrentKey("x");
    v.setCurrentNamespace(2);
    v.update(undefined as unknown as number);
    expect(b.size()).toBe(2);
  });

  it("snapshots and restores every kind, including bigint keys and Map/Date/bigint values", () => {
    const b = newBackend();
    const model: Model = new Map();
    randomOps(b, model, 2, 3000, keys, namespaces);
    const odd = b.getState(new ValueStateDescriptor<unknown>("odd"));
    b.setCurrentKey(5n);
    const value = { m: new Map<unknown, unknown>([[1n, new Set([1, 2])]]), d: new Date(5), n: [undefined, Infinity, -Infinity, NaN] };
    odd.update(value);
    const snap = b.snapshot();
    const r = newBackend();
    r.restore([snap]);
    expect(readAll(r, keys, namespaces)).toEqual(expectedAll(model, keys, namespaces));
    r.setCurrentKey(5n);
    expect(r.getState(new ValueStateDescriptor<unknown>("odd")).value()).toEqual(value);
    expect(r.size()).toBe(b.size());
    // Every key sits in the key group it hashes to.
    for (const [group, text] of snap.keyGroups) {
      expect(group).toBeGreaterThanOrEqual(0);
      expect(group).toBeLessThan(128);
      expect(typeof text).toBe("string");
    }
  });

  it("rescales: state of 2 subtasks restored into 3 keeps exactly each subtask's key groups", () => {
    const maxP = 128;
    const keys: Key[] = [];
    for (let i = 0; i < 2000; i++) keys.push(i % 3 === 0 ? i : `key-${i}`);
    const old = [newBackend(undefined, maxP, 2, 0), newBackend(undefined, maxP, 2, 1)];
    for (const k of keys) {
      const b = old[operatorIndexForKey(k, maxP, 2)]!;
      b.setCurrentKey(k);
      const s = b.getState(new ReducingStateDescriptor<string>("r", (a, c) => a + c));
      s.add(`v${String(k)}`);
      s.setCurrentNamespace(1);
      s.add("w");
      s.setCurrentNamespace(0);
    }
    const snaps = old.map((b) => b.snapshot());
    const restored = [0, 1, 2].map((i) => {
      const b = newBackend(undefined, maxP, 3, i);
      b.restore(snaps);
      return b;
    });
    const seen: Key[] = [];
    restored.forEach((b, i) => {
      const s = b.getState(new ReducingStateDescriptor<string>("r", (a, c) => a + c));
      for (const k of b.keys("r", 0)) {
        expect(operatorIndexForKey(k, maxP, 3)).toBe(i);
        const range = b.keyGroupRange;
        const g = keyGroupFor(k, maxP);
        expect(g >= range.start && g <= range.end).toBe(true);
        b.setCurrentKey(k);
        s.setCurrentNamespace(0);
        expect(s.get()).toBe(`v${String(k)}`);
        s.setCurrentNamespace(1);
        expect(s.get()).toBe("w");
        seen.push(k);
      }
    });
    expect(seen.map(String).sort()).toEqual(keys.map(String).sort());
    expect(seen.length).toBe(keys.length);
  });

  it("refuses a snapshot with another maxParallelism", () => {
    const snap = newBackend(undefined, 64).snapshot();
    expect(() => newBackend(undefined, 128).restore([snap])).toThrow(/maxParallelism 64 .* restored with 128/);
  });
});

describe("HeapKeyedStateBackend without a current key", () => {
  it("names the state when a snapshot finds state written outside a key context", () => {
    const b = new HeapKeyedStateBackend({ maxParallelism: 128, clock: new ManualClock() });
    b.getState(new ValueStateDescriptor<number>("opened")).update(1);
    expect(() => b.snapshot()).toThrow(/keyed state "opened" was written while no key was set/);
  });
});
