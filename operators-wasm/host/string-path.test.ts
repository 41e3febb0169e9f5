import { describe, expect, it } from "vitest";
import { StreamExecutionEnvironment, WatermarkStrategy } from "../../core/index.ts";
import type { OperatorContext } from "../../core/runtime/operator.ts";
import { compiledGuest } from "./engine-jobs.ts";
import { MAX_BATCH, MapComponentOperator } from "./operators.ts";
import { guest, upperAscii } from "./test-support.ts";
import { wasm } from "./wasm.ts";
import type { WasmFunction } from "./wasm-function.ts";

const identity = async (values?: "string" | "bytes" | "json"): Promise<WasmFunction> =>
  wasm(await compiledGuest("guests/identity-map/guest.as.ts", "identity"), values === undefined ? {} : { values });
const upper = async (): Promise<WasmFunction> => wasm(await compiledGuest("guests/uppercase-map/guest.as.ts", "upper"));

/** Runs `fn` over `input` (timestamps 10 * i) with source batches of `batchSize`; returns "timestamp:value" per output. */
async function run(input: readonly unknown[], fn: WasmFunction | ((v: string) => string), batchSize = 512): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, batchSize });
  return env
    .fromCollection(input.map((v, i) => ({ v, ts: i * 10 })))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<{ v: unknown; ts: number }>().withTimestampAssigner((r) => r.ts))
    .map((r) => r.v)
    .map(fn as never)
    .process<string>((v, ctx, out) => out.collect(`${ctx.timestamp()}:${typeof v === "string" ? v : JSON.stringify(v)}`))
    .executeAndCollect();
}

const stamped = (values: readonly string[]) => values.map((v, i) => `${i * 10}:${v}`);

/** ASCII lines of 0 to 60 chars, some with NULs (the bytes the encoder puts between values). */
function asciiLines(n: number, seed: number): string[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const chars = "abcdefghijklmnopqrstuvwxyz ABC#0123456789\0\t~";
  return Array.from({ length: n }, () => Array.from({ length: Math.floor(next() * 61) }, () => chars[Math.floor(next() * chars.length)]).join(""));
}

describe("the WASM string data path: values encoded once into guest memory and decoded once per batch", () => {
  it("all-ASCII batches and batches with é, emoji, NULs and empty strings mixed in come back exactly as they went", async () => {
    const ascii = asciiLines(1500, 3);
    const input = [
      ...ascii.slice(0, 600), // batches 1 and part of 2: ASCII only
      ...ascii.slice(600, 900).map((l, i) => (i === 150 ? `${l}é` : l)), // one non-ASCII value in an otherwise ASCII batch
      ...ascii.slice(900).map((l, i) => (i % 7 === 0 ? `😀${l}` : i % 11 === 0 ? "" : l)),
      "\0".repeat(16),
      "",
      "déjà vu 日本",
    ];
    expect(await run(input, await identity())).toEqual(stamped(input));
    expect(await run(input, await upper())).toEqual(stamped(input.map(upperAscii)));
  });

  it("lone surrogates under values: \"string\" reach the guest as U+FFFD (UTF-8 cannot carry them) and come back so; pairs stay", async () => {
    const input = ["plain", "a\uD800b", "\uDC00", "x\uD83D", "ok \uD83D\uDE00 pair", "tail"];
    const expected = ["plain", "a\uFFFDb", "\uFFFD", "x\uFFFD", "ok \uD83D\uDE00 pair", "tail"];
    expect(await run(input, await identity())).toEqual(stamped(expected));
  });

  it("Uint8Array values mixed with strings under values: \"string\" are sent as they are and come back as strings", async () => {
    const utf8 = new TextEncoder();
    const input = ["one", utf8.encode("two é"), "three", utf8.encode("four")];
    expect(await run(input, await identity())).toEqual(stamped(["one", "two é", "three", "four"]));
  });

  it("values: \"json\" sends the JSON text of each value through the same path", async () => {
    const input = [{ a: "x" }, [1, 2, "ü"], "s", 42, null, { nested: { emoji: "😀", empty: "" } }];
    const out = await run(input, await identity("json"));
    expect(out).toEqual(input.map((v, i) => `${i * 10}:${typeof v === "string" ? v : JSON.stringify(v)}`));
  });

  it(`source batches larger than MAX_BATCH (${MAX_BATCH}) are cut at it; order, values and timestamps are kept`, async () => {
    const ascii = asciiLines(2 * MAX_BATCH + 321, 5);
    // the second batch of MAX_BATCH records is the only one with a non-ASCII value
    const input = ascii.map((l, i) => (i === MAX_BATCH + 500 ? `${l}ß` : l));
    expect(await run(input, await upper(), 2 * MAX_BATCH + 321)).toEqual(stamped(input.map(upperAscii)));
  });

  it("the minimal C guest (its cabi_realloc ignores the old block) gets ASCII and non-ASCII batches right", async () => {
    const reverse = wasm((await guest("guests/minimal-c/guest.c")).component, { name: "reverse" });
    const reverseUtf8 = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s).reverse());
    const input = [...asciiLines(700, 9), ...asciiLines(700, 11).map((l, i) => (i === 350 ? `${l}ünï` : l))];
    expect(await run(input, reverse)).toEqual(stamped(input.map(reverseUtf8)));
  });
});

describe("the WASM string data path when the guest's memory grows between and during calls", () => {
  it("small batches, then batches larger than the guest's memory (ASCII and not), then small ones again", async () => {
    const op = new MapComponentOperator(await upper(), "map-operator");
    const out: string[] = [];
    op.setup({ output: { collect: (v: unknown, ts: number) => out.push(`${ts}:${v as string}`) }, operatorName: "Upper" } as unknown as OperatorContext<unknown>);
    await op.open();
    const component = (op as unknown as { component: { memoryBytes(): number } }).component;
    const batches = [
      asciiLines(100, 1),
      // 8 MB of UTF-8 for 4 M chars: the first block (the size of the text) is too small and is grown
      Array.from({ length: 100 }, (_, i) => `${"é".repeat(40_000)}x${i}`),
      asciiLines(100, 2),
      Array.from({ length: 400 }, (_, i) => `${"abc".repeat(10_000)}${i}`), // 12 MB, ASCII
      asciiLines(100, 3),
    ];
    const sizes: number[] = [];
    let ts = 0;
    for (const batch of batches) {
      for (const v of batch) op.processElement(v, ts++);
      op.finishBatch();
      sizes.push(component.memoryBytes());
    }
    const input = batches.flat();
    expect(out).toEqual(input.map((v, i) => `${i}:${upperAscii(v)}`));
    // memory did grow mid-run (else this test would not show the views being renewed)
    expect(sizes[1]!).toBeGreaterThan(sizes[0]!);
    expect(sizes[3]!).toBeGreaterThan(sizes[1]!);
  });
});
