/**
 * How a scenario's actual output is compared with its expected output. Parallel jobs emit in a
 * nondeterministic interleaving, so most scenarios compare multisets, or sequences per key.
 */

/** `exact`: same sequence; `unordered`: same multiset; `per-key`: same sequence within each key. */
export type Comparison<T = unknown> =
  | "exact"
  | "unordered"
  | { readonly perKey: (value: T) => unknown };

/** A stable text form of a value: object keys sorted, so `{a, b}` equals `{b, a}`. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (v instanceof Map) return { "@map": [...v.entries()] };
    if (v instanceof Set) return { "@set": [...v.values()] };
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** Returns undefined when `actual` matches `expected`, else a short description of the difference. */
export function compareOutputs<T>(actual: unknown, expected: readonly T[], how: Comparison<T>): string | undefined {
  if (!Array.isArray(actual)) return `expected an array of results, got ${canonical(actual)?.slice(0, 200)}`;
  if (how === "exact") return compareSequences(actual, expected);
  if (how === "unordered") return compareMultisets(actual, expected);
  const group = (items: readonly unknown[]) => {
    const groups = new Map<string, unknown[]>();
    for (const item of items) {
      const key = canonical(how.perKey(item as T));
      let list = groups.get(key);
      if (list === undefined) groups.set(key, (list = []));
      list.push(item);
    }
    return groups;
  };
  const actualGroups = group(actual);
  const expectedGroups = group(expected);
  for (const [key, list] of expectedGroups) {
    const diff = compareSequences(actualGroups.get(key) ?? [], list);
    if (diff !== undefined) return `key ${key}: ${diff}`;
  }
  for (const key of actualGroups.keys()) {
    if (!expectedGroups.has(key)) return `unexpected key ${key}: ${preview(actualGroups.get(key)!)}`;
  }
  return undefined;
}

function compareSequences(actual: readonly unknown[], expected: readonly unknown[]): string | undefined {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = i < actual.length ? canonical(actual[i]) : "<missing>";
    const e = i < expected.length ? canonical(expected[i]) : "<missing>";
    if (a !== e) return `${actual.length} vs ${expected.length} items; first difference at [${i}]: got ${a}, expected ${e}`;
  }
  return undefined;
}

function compareMultisets(actual: readonly unknown[], expected: readonly unknown[]): string | undefined {
  const counts = new Map<string, number>();
  for (const item of expected) {
    const k = canonical(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const extra: string[] = [];
  for (const item of actual) {
    const k = canonical(item);
    const c = counts.get(k);
    if (c === undefined || c === 0) extra.push(k);
    else counts.set(k, c - 1);
  }
  const missing: string[] = [];
  for (const [k, c] of counts) for (let i = 0; i < c; i++) missing.push(k);
  if (extra.length === 0 && missing.length === 0) return undefined;
  return (
    `${actual.length} vs ${expected.length} items; ` +
    `${missing.length} missing ${preview(missing)}; ${extra.length} unexpected ${preview(extra)}`
  );
}

function preview(items: readonly unknown[]): string {
  const shown = items.slice(0, 3).map((x) => (typeof x === "string" ? x : canonical(x)));
  return `[${shown.join(", ")}${items.length > 3 ? ", ..." : ""}]`;
}
