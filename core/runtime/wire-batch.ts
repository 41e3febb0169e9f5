/**
 * Record batches as they cross isolates. Structured clone works for any value but pays per
 * object and per property name (about 0.3 µs a small record); batches of numbers, of strings, or
 * of plain objects of one shape whose fields are numbers, strings or booleans go as columns
 * instead: numbers in Float64Arrays that are transferred, not copied, and objects rebuilt by a
 * constructor made once per shape. Timestamps always go as a transferred Float64Array. Anything
 * else (nested objects, Maps, Dates, class instances, mixed shapes) is structured-cloned.
 */

/** A record batch on the wire. */
export type WireBatch =
  | { readonly kind: "cloned"; readonly values: readonly unknown[]; readonly timestamps: Float64Array }
  | { readonly kind: "numbers"; readonly numbers: Float64Array; readonly timestamps: Float64Array }
  | { readonly kind: "strings"; readonly strings: readonly string[]; readonly timestamps: Float64Array }
  | {
      readonly kind: "objects";
      readonly fields: readonly string[];
      /** Per field: `n` number, `s` string, `b` boolean (sent as 0/1). */
      readonly types: string;
      readonly columns: readonly Column[];
      readonly timestamps: Float64Array;
    };

/** One field of an object batch. */
type Column = Float64Array | readonly string[] | Uint8Array;

/** Encodes a batch; `transfer` lists the buffers to hand over with it. */
export function encodeBatch(values: readonly unknown[], timestamps: readonly number[]): { batch: WireBatch; transfer: ArrayBuffer[] } {
  const n = values.length;
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = timestamps[i]!;
  const transfer: ArrayBuffer[] = [ts.buffer as ArrayBuffer];
  const first = values[0];
  if (typeof first === "number") {
    const numbers = new Float64Array(n);
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== "number") {
        ok = false;
        break;
      }
      numbers[i] = v;
    }
    if (ok) {
      transfer.push(numbers.buffer as ArrayBuffer);
      return { batch: { kind: "numbers", numbers, timestamps: ts }, transfer };
    }
  } else if (typeof first === "string") {
    let ok = true;
    for (let i = 0; i < n; i++) {
      if (typeof values[i] !== "string") {
        ok = false;
        break;
      }
    }
    if (ok) return { batch: { kind: "strings", strings: values as string[], timestamps: ts }, transfer };
  } else if (isPlainObject(first)) {
    const columns = objectColumns(values, first);
    if (columns !== undefined) {
      for (const c of columns.columns) if (!Array.isArray(c)) transfer.push((c as Float64Array | Uint8Array).buffer as ArrayBuffer);
      return { batch: { kind: "objects", fields: columns.fields, types: columns.types, columns: columns.columns, timestamps: ts }, transfer };
    }
  }
  return { batch: { kind: "cloned", values, timestamps: ts }, transfer };
}

/** Decodes a batch into the columns a channel carries. */
export function decodeBatch(batch: WireBatch): { values: unknown[]; timestamps: number[] } {
  // Read by index only, like the arrays channels carry: no copy.
  const timestamps = batch.timestamps as unknown as number[];
  switch (batch.kind) {
    case "cloned":
      return { values: batch.values as unknown[], timestamps };
    case "numbers":
      return { values: Array.from(batch.numbers), timestamps };
    case "strings":
      return { values: batch.strings as string[], timestamps };
    case "objects":
      return { values: constructorFor(batch.fields, batch.types)(batch.columns, batch.timestamps.length), timestamps };
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Columns of objects that all have exactly `first`'s fields, in its order, each of one primitive type. */
function objectColumns(values: readonly unknown[], first: Record<string, unknown>): { fields: string[]; types: string; columns: Column[] } | undefined {
  const fields = Object.keys(first);
  const m = fields.length;
  // A literal's "__proto__" would set the prototype instead of a field.
  if (m === 0 || m > 64 || fields.includes("__proto__")) return undefined;
  const n = values.length;
  const types: string[] = [];
  const columns: (Float64Array | string[] | Uint8Array)[] = [];
  for (const f of fields) {
    const t = typeof first[f];
    if (t !== "number" && t !== "string" && t !== "boolean") return undefined;
    types.push(t);
    columns.push(t === "number" ? new Float64Array(n) : t === "boolean" ? new Uint8Array(n) : new Array<string>(n));
  }
  const shape = types.map((t) => t[0]).join("");
  const fill = fillerFor(fields, shape);
  if (fill !== undefined) return fill(values, columns) ? { fields, types: shape, columns } : undefined;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!isPlainObject(v)) return undefined;
    // The same keys in the same order, or a field would be lost or reordered.
    const keys = Object.keys(v);
    if (keys.length !== m) return undefined;
    for (let k = 0; k < m; k++) {
      const f = fields[k]!;
      if (keys[k] !== f) return undefined;
      const x = v[f];
      if (typeof x !== types[k]) return undefined;
      const c = columns[k]!;
      if (types[k] === "boolean") (c as Uint8Array)[i] = x ? 1 : 0;
      else (c as Float64Array | string[])[i] = x as never;
    }
  }
  return { fields, types: shape, columns };
}

/** Fills the columns of a shape from a batch; false when some record does not have exactly that shape. */
type Fill = (values: readonly unknown[], columns: Column[]) => boolean;
const fillers = new Map<string, Fill>();

/**
 * A filler generated for one shape (plain reads of named fields instead of a loop over names), or
 * undefined where the runtime forbids code generation. It checks what the generic loop checks: a
 * plain object whose keys are exactly the fields, in order, each of its type.
 */
function fillerFor(fields: readonly string[], types: string): Fill | undefined {
  if (codegen === false) return undefined;
  const key = `${types}\u0000${fields.join("\u0000")}`;
  let fill = fillers.get(key);
  if (fill !== undefined) return fill;
  const typeName = { n: "number", s: "string", b: "boolean" } as Record<string, string>;
  const reads = fields.map((f, k) => `const f${k} = v[${JSON.stringify(f)}]; if (typeof f${k} !== "${typeName[types[k]!]}") return false;`).join("\n");
  const writes = fields.map((_f, k) => (types[k] === "b" ? `c${k}[i] = f${k} ? 1 : 0;` : `c${k}[i] = f${k};`)).join(" ");
  const cols = fields.map((_f, k) => `const c${k} = columns[${k}];`).join(" ");
  const names = fields.map((f, k) => `keys[${k}] !== ${JSON.stringify(f)}`).join(" || ");
  const body = `
    const OP = Object.prototype; const m = ${fields.length}; ${cols}
    for (let i = 0, n = values.length; i < n; i++) {
      const v = values[i];
      if (typeof v !== "object" || v === null) return false;
      const p = Object.getPrototypeOf(v);
      if (p !== OP && p !== null) return false;
      const keys = Object.keys(v);
      if (keys.length !== m || ${names}) return false;
      ${reads}
      ${writes}
    }
    return true;`;
  try {
    fill = new Function("values", "columns", body) as Fill;
    codegen = true;
  } catch {
    codegen = false;
    return undefined;
  }
  fillers.set(key, fill);
  return fill;
}

/**
 * A number as the sender most likely had it: an integer within 32 bits (not -0) as a small
 * integer. Read from a Float64Array every number is a double, which V8 boxes in a field of its
 * own and gives the object another hidden class than the sender's records, so operators that see
 * both (a keyed window fed from its own TaskManager and from others) turn polymorphic and every
 * record costs an allocation more.
 */
function small(v: number): number {
  return (v | 0) === v && (v !== 0 || 1 / v > 0) ? v | 0 : v;
}

type Build = (columns: readonly Column[], n: number) => unknown[];
const builders = new Map<string, Build>();
let codegen: boolean | undefined;

/**
 * A function rebuilding the objects of a shape. Generated once per shape where the runtime allows
 * code generation (objects then get one hidden class and monomorphic stores), a loop elsewhere.
 */
function constructorFor(fields: readonly string[], types: string): Build {
  const key = `${types}\u0000${fields.join("\u0000")}`;
  let build = builders.get(key);
  if (build !== undefined) return build;
  if (codegen !== false) {
    try {
      const reads = fields.map((_f, k) => (types[k] === "n" ? `const v${k} = c${k}[i];` : "")).join(" ");
      const value = (k: number): string => (types[k] === "b" ? `c${k}[i] === 1` : types[k] === "n" ? `((v${k} | 0) === v${k} && (v${k} !== 0 || 1 / v${k} > 0) ? v${k} | 0 : v${k})` : `c${k}[i]`);
      const literal = fields.map((f, k) => `${JSON.stringify(f)}: ${value(k)}`).join(", ");
      const cols = fields.map((_f, k) => `const c${k} = c[${k}];`).join(" ");
      build = new Function("c", "n", `${cols} const out = new Array(n); for (let i = 0; i < n; i++) { ${reads} out[i] = { ${literal} }; } return out;`) as Build;
      codegen = true;
    } catch {
      codegen = false;
    }
  }
  build ??= (columns, n) => {
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const o: Record<string, unknown> = {};
      for (let k = 0; k < fields.length; k++) o[fields[k]!] = types[k] === "b" ? columns[k]![i] === 1 : types[k] === "n" ? small(columns[k]![i] as number) : columns[k]![i];
      out[i] = o;
    }
    return out;
  };
  builders.set(key, build);
  return build;
}

/** @internal Runs `fn` as on a runtime that forbids code generation (workerd): the generic loops. */
export function withoutCodeGeneration<T>(fn: () => T): T {
  const saved = codegen;
  codegen = false;
  fillers.clear();
  builders.clear();
  try {
    return fn();
  } finally {
    codegen = saved;
    fillers.clear();
    builders.clear();
  }
}
