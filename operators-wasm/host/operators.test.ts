import { describe, expect, it } from "vitest";
import type { OperatorContext } from "../../core/runtime/operator.ts";
import { ByteWriter, encodeBatch } from "./batch-codec.ts";
import { WasmOperatorError } from "./errors.ts";
import { inputBytes, type GuestInput } from "./guest-input.ts";
import type { LoadedComponent } from "./instance.ts";
import { FilterComponentOperator, MapComponentOperator, PackedRecords, type ComponentOperator } from "./operators.ts";

/** A stand-in for an instantiated component whose process-batch returns `result(input)`. */
function fakeComponent(result: (input: Uint8Array) => Uint8Array): LoadedComponent {
  return {
    name: "fake",
    world: "map-operator",
    failure: undefined,
    runsIn: () => {},
    batch: (_fn: string, input: GuestInput | Uint8Array, consume: (out: Uint8Array) => unknown) => consume(result(inputBytes(input).slice())),
  } as unknown as LoadedComponent;
}

/** Sets up and opens `op` with a context whose output records what it gets. */
async function opened<T extends ComponentOperator<unknown, unknown>>(op: T, nextInChain?: unknown): Promise<{ op: T; out: [unknown, number][] }> {
  const out: [unknown, number][] = [];
  op.setup({ output: { collect: (v: unknown, ts: number) => out.push([v, ts]) }, nextInChain } as unknown as OperatorContext<unknown>);
  await op.open();
  return { op, out };
}

const source = (component: LoadedComponent, values: "string" | "bytes" = "string") => ({ name: "fake", values, instantiate: async () => component });

describe("component operators check what a component returns", () => {
  const cases: [string, (input: Uint8Array) => Uint8Array, RegExp][] = [
    ["shorter than its count", () => new Uint8Array([1, 0]), /packed batch shorter than its count/],
    ["a count the bytes cannot hold", () => new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0]), /claims 200 records but only 4 bytes remain/],
    ["a truncated value", (input) => input.subarray(0, input.length - 1), /record 1 of 2 truncated/],
    ["trailing bytes", (input) => new Uint8Array([...input, 9]), /1 trailing bytes after the records/],
    ["a record too few", () => encodeBatch([{ value: "only one" }]), /1 records for 2 inputs/],
  ];
  for (const [what, result, message] of cases) {
    it(`refuses ${what} as WASM_BAD_OUTPUT`, async () => {
      const { op } = await opened(new MapComponentOperator(source(fakeComponent(result)), "map-operator"));
      op.processElement("a", 1);
      op.processElement("bc", 2);
      const err = (() => {
        try {
          op.finishBatch();
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(WasmOperatorError);
      expect((err as WasmOperatorError).code).toBe("WASM_BAD_OUTPUT");
      expect((err as Error).message).toMatch(/component "fake" \(world map-operator\): process-batch returned an invalid result/);
      expect((err as Error).message).toMatch(message);
    });
  }
});

describe("a filter hands the kept records on packed, in runs", () => {
  it("keeps exactly the flagged records, in order, with key and timestamp", async () => {
    const keep = (v: string) => v.length % 3 !== 0;
    const values = Array.from({ length: 50 }, (_, i) => "x".repeat(i));
    const flags = (input: Uint8Array) => {
      const w = new ByteWriter();
      w.u32(values.length);
      for (const v of values) w.u8(keep(v) ? 1 : 0);
      expect(input.length).toBeGreaterThan(values.length);
      return w.finish().slice();
    };
    const next = new MapComponentOperator(source(fakeComponent((i) => i)), "map-operator");
    const { op, out } = await opened(new FilterComponentOperator(source(fakeComponent(flags)), "filter-operator"), next);
    values.forEach((v, i) => op.processElement(v, 1000 + i));
    op.finishBatch();
    expect(out.length).toBe(1);
    const [packed] = out[0]!;
    expect(packed).toBeInstanceOf(PackedRecords);
    const expected = values.map((value, i) => ({ value, timestamp: 1000 + i })).filter((r) => keep(r.value));
    expect((packed as PackedRecords).count).toBe(expected.length);
    expect((packed as PackedRecords).bytes).toEqual(encodeBatch(expected));
  });
});

describe("byte values leave the last component as views of its result", () => {
  it("each record is its own bytes, and later batches do not overwrite earlier ones", async () => {
    const upper = (input: Uint8Array) => input.map((b) => (b >= 0x61 && b <= 0x7a ? b - 32 : b));
    const { op, out } = await opened(new MapComponentOperator(source(fakeComponent(upper), "bytes"), "map-operator"));
    const enc = new TextEncoder();
    op.processElement(enc.encode("ab"), 1);
    op.processElement(enc.encode("cde"), 2);
    op.finishBatch();
    op.processElement(enc.encode("fg"), 3);
    op.finishBatch();
    const dec = new TextDecoder();
    expect(out.map(([v, ts]) => [dec.decode(v as Uint8Array), ts])).toEqual([["AB", 1], ["CDE", 2], ["FG", 3]]);
    expect(out.every(([v]) => v instanceof Uint8Array)).toBe(true);
  });
});

describe("string results are decoded per batch, each value on its own bytes", () => {
  /** A packed batch of the given value bytes (key length 0, timestamps 1, 2, ...), built by hand. */
  const packed = (values: number[][]): Uint8Array => {
    const out = new Uint8Array(4 + values.reduce((n, v) => n + 16 + v.length, 0));
    const view = new DataView(out.buffer);
    view.setUint32(0, values.length, true);
    let p = 4;
    values.forEach((v, i) => {
      view.setFloat64(p + 4, i + 1, true);
      view.setUint32(p + 12, v.length, true);
      out.set(v, p + 16);
      p += 16 + v.length;
    });
    return out;
  };

  it("a UTF-8 sequence split between two records is not joined: each half becomes U+FFFD in its own record", async () => {
    // "é" is C3 A9: the first record ends with C3, the second starts with A9
    const result = () => packed([[0x61, 0xc3], [0xa9, 0x62], [0x63]]);
    const { op, out } = await opened(new MapComponentOperator(source(fakeComponent(result)), "map-operator"));
    for (const v of ["x", "y", "z"]) op.processElement(v, 0);
    op.finishBatch();
    expect(out).toEqual([["a\uFFFD", 1], ["\uFFFDb", 2], ["c", 3]]);
  });

  it("timestamps whose bytes form UTF-8 (C3 A9) or are not ASCII leave the values and themselves intact", async () => {
    const bytes = new Uint8Array([0x41, 0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0x41]);
    const odd = new DataView(bytes.buffer).getFloat64(0, true);
    const stamps = [odd, -odd, 1_700_000_000_123.5, Number.NaN];
    const values = ["alpha", "", "b", "the end"];
    const { op, out } = await opened(new MapComponentOperator(source(fakeComponent((input) => input)), "map-operator"));
    values.forEach((v, i) => op.processElement(v, stamps[i]!));
    op.finishBatch();
    expect(out).toEqual(values.map((v, i) => [v, stamps[i]]));
  });
});
