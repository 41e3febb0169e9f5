/**
 * Record batches as they cross isolates. Structured clone works for any value but pays per
 * object and per property name (about 0.3 µs a small record); batches of numbers, of strings, or
 * of plain objects of one shape whose fields are numbers, strings or booleans go as columns
 * instead: the timestamps and every number of a batch in one Float64Array that is transferred,
 * not copied, and objects rebuilt by a constructor made once per shape. Anything else (nested
 * objects, Maps, Dates, class instances, mixed shapes) is structured-cloned.
 */

/** A record batch on the wire. */
export type WireBatch =
  | { readonly kind: "cloned"; readonly values: readonly unknown[]; readonly timestamps: Float64Array }
  | { readonly kind: "numbers"; readonly numbers: Float64Array; readonly timestamps: Float64Array }
  | { readonly kind: "strings"; readonly strings: readonly string[]; readonly timestamps: Float64Array }
  | {
      readonly kind: "objects";
      readonly fields: readonly string[];
      /** Per field: `n` number, `s` string, `b` boolean (sent as 0/1). Numeric columns share the timestamps' buffer. */
      readonly types: string;
      readonly columns: readonly Column[];
      readonly timestamps: Float64Array;
    };

/** One field of an object batch: numbers and booleans (0 or 1) as views of the batch's one buffer, strings as an array. */
type Column = Float64Array | readonly string[];

/** Encodes a batch; `transfer` lists the buffers to hand over with it (one: every number of the batch shares it). */
export function encodeBatch(values: readonly unknown[], timestamps: readonly number[]): { batch: WireBatch; transfer: ArrayBuffer[] } {
  const n = values.length;
  const first = values[0];
  if (typeof first === "number") {
    const data = new Float64Array(2 * n);
    const numbers = data.subarray(n);
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== "number") {
        ok = false;
        break;
      }
      numbers[i] = v;
    }
    if (ok) return { batch: { kind: "numbers", numbers, timestamps: timesInto(data, timestamps) }, transfer: [data.buffer as ArrayBuffer] };
  } else if (typeof first === "string") {
    let ok = true;
    for (let i = 0; i < n; i++) {
      if (typeof values[i] !== "string") {
        ok = false;
        break;
      }
    }
    if (ok) return only({ kind: "strings", strings: values as string[], timestamps: timesInto(new Float64Array(n), timestamps) });
  } else if (isPlainObject(first)) {
    const columns = objectColumns(values, first);
    if (columns !== undefined) {
      return { batch: { kind: "objects", fields: columns.fields, types: columns.types, columns: columns.columns, timestamps: timesInto(columns.data, timestamps) }, transfer: [columns.data.buffer as ArrayBuffer] };
    }
  }
  return only({ kind: "cloned", values, timestamps: timesInto(new Float64Array(n), timestamps) });
}

/**
 * Writes the timestamps into the first `timestamps.length` slots of `data` and returns that view.
 * A batch's numbers go in one buffer: each buffer a message transfers costs the isolates several
 * microseconds, as much as the same message carrying hundreds of records more.
 */
function timesInto(data: Float64Array, timestamps: readonly number[]): Float64Array {
  const n = timestamps.length;
  const ts = data.subarray(0, n);
  for (let i = 0; i < n; i++) ts[i] = timestamps[i]!;
  return ts;
}

/** A batch whose only buffer is its timestamps'. */
function only(batch: WireBatch & { timestamps: Float64Array }): { batch: WireBatch; transfer: ArrayBuffer[] } {
  return { batch, transfer: [batch.timestamps.buffer as ArrayBuffer] };
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

/**
 * Columns of objects that all have exactly `first`'s fields, in its order, each of one primitive
 * type. Number and boolean columns (booleans as 0 and 1) are views of one Float64Array, `data`,
 * after `n` slots left for the timestamps.
 */
function objectColumns(values: readonly unknown[], first: Record<string, unknown>): { fields: string[]; types: string; columns: Column[]; data: Float64Array } | undefined {
  const fields = Object.keys(first);
  const m = fields.length;
  // A literal's "__proto__" would set the prototype instead of a field.
  if (m === 0 || m > 64 || fields.includes("__proto__")) return undefined;
  const n = values.length;
  const types: string[] = [];
  let numeric = 0;
  for (const f of fields) {
    const t = typeof first[f];
    if (t !== "number" && t !== "string" && t !== "boolean") return undefined;
    types.push(t);
    if (t !== "string") numeric++;
  }
  const data = new Float64Array((numeric + 1) * n);
  const columns: Column[] = [];
  let at = n;
  for (const t of types) {
    if (t === "string") {
      columns.push(new Array<string>(n));
    } else {
      columns.push(data.subarray(at, at + n));
      at += n;
    }
  }
  const shape = types.map((t) => t[0]).join("");
  const fill = fillerFor(fields, shape);
  if (fill !== undefined) return fill(values, columns) ? { fields, types: shape, columns, data } : undefined;
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
      if (types[k] === "boolean") (c as Float64Array)[i] = x ? 1 : 0;
      else (c as Float64Array | string[])[i] = x as never;
    }
  }
  return { fields, types: shape, columns, data };
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
