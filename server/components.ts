/**
 * WebAssembly components for job specs: reads an upload's world, compiles each artifact once
 * (cached by id) and plugs it into a stream. Records cross the boundary as JSON text (UTF-8),
 * one packed batch per input batch.
 */
import type { DataStream, Output, OperatorContext, StreamOperator } from "../core/index.ts";
import { HttpError } from "./errors.ts";

/** The slice of `eddy/wasm` the server uses; workerd gets one that refuses run-time compilation. */
export interface ComponentRuntime {
  /** The world, imports and exports a component declares. */
  readWorld(bytes: Uint8Array, name: string): Promise<{ world: string | undefined; imports: string[]; exports: string[] }>;
  /** Checks and compiles a component (slow: cached per artifact by the caller). */
  compile(bytes: Uint8Array, name: string): Promise<unknown>;
  /** The operators-wasm module, for the stream wiring; undefined where components cannot run. */
  module(): Promise<WasmModule | undefined>;
}

/** What the wiring below needs from operators-wasm (a subset of its exports). */
export interface WasmModule {
  instantiateComponent(compiled: never, options?: object): Promise<{ processBatch(input: Uint8Array): Uint8Array; world: string }>;
  encodeBatch(records: readonly { key?: string | Uint8Array; timestamp?: number; value: string | Uint8Array }[]): Uint8Array;
  decodeBatchStrings(bytes: Uint8Array): { key?: string; timestamp?: number; value: string }[];
  decodeFlags(bytes: Uint8Array): boolean[];
  /** Phase 2 of operators-wasm: `wasm(component)` usable in DataStream.map/filter/... (when it exists). */
  wasm?: unknown;
}

/** Components through operators-wasm, imported on first use (jco is large; workerd never loads it). */
export function defaultComponentRuntime(): ComponentRuntime {
  let loaded: Promise<typeof import("../operators-wasm/index.ts")> | undefined;
  const load = (): Promise<typeof import("../operators-wasm/index.ts")> => (loaded ??= import("../operators-wasm/index.ts"));
  return {
    readWorld: async (bytes, name) => (await load()).readComponentWorld(bytes, name),
    compile: async (bytes, name) => (await load()).compileComponent(bytes, { name }),
    module: async () => (await load()) as unknown as WasmModule,
  };
}

/** For runtimes that cannot compile wasm at run time (workerd). */
export function unavailableComponentRuntime(reason: string): ComponentRuntime {
  const refuse = async (): Promise<never> => {
    throw new HttpError(501, `[eddy] WebAssembly components cannot be loaded here: ${reason}`);
  };
  return { readWorld: refuse, compile: refuse, module: async () => undefined };
}

type WasmKind = "map" | "filter" | "flatMap" | "keyBy" | "process" | "aggregate";

const WORLD_OF: Record<WasmKind, string> = {
  map: "map-operator",
  filter: "filter-operator",
  flatMap: "flat-map-operator",
  keyBy: "key-selector-operator",
  process: "keyed-process-operator",
  aggregate: "window-aggregate-operator",
};

/** The world a spec's `kind` needs. */
export function worldForKind(kind: WasmKind): string {
  return WORLD_OF[kind];
}

/**
 * Adds a component as operator `kind` after `stream`. map, filter and flatMap run here, one
 * packed batch per input batch; keyBy, process and aggregate wait for operators-wasm's
 * `wasm(component)` and fail clearly until then.
 */
export function applyComponent(stream: DataStream<unknown>, kind: WasmKind, compiled: unknown, mod: WasmModule, name: string, parallelism: number | undefined): DataStream<unknown> {
  if (kind === "map" || kind === "filter" || kind === "flatMap") {
    const out = stream.transform<unknown>(name, () => new BatchComponentOperator(kind, compiled, mod), { parallelism });
    return out;
  }
  throw new HttpError(501, `[eddy] wasm operators of kind "${kind}" are not wired into job specs yet: they need operators-wasm's wasm(component) (phase 2); map, filter and flatMap work today`);
}

/** Parses a component's output value: JSON when it is JSON, else the text itself. */
function fromText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Buffers one input batch, calls the component once, emits its results. */
class BatchComponentOperator implements StreamOperator<unknown, unknown> {
  private output: Output<unknown> | undefined;
  private instance: { processBatch(input: Uint8Array): Uint8Array } | undefined;
  private readonly values: unknown[] = [];
  private readonly timestamps: number[] = [];

  constructor(private readonly kind: "map" | "filter" | "flatMap", private readonly compiled: unknown, private readonly mod: WasmModule) {}

  setup(context: OperatorContext<unknown>): void {
    this.output = context.output;
  }

  async open(): Promise<void> {
    this.instance = await this.mod.instantiateComponent(this.compiled as never);
  }

  processElement(value: unknown, timestamp: number): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
  }

  finishBatch(): void {
    this.flush();
  }

  processWatermark(watermark: number): void {
    this.flush();
    this.output!.emitWatermark(watermark);
  }

  endInput(): void {
    this.flush();
  }

  prepareSnapshotPreBarrier(): void {
    this.flush();
  }

  private flush(): void {
    const n = this.values.length;
    if (n === 0) return;
    const records = this.values.map((v, i) => {
      const ts = this.timestamps[i]!;
      return { value: typeof v === "string" ? v : JSON.stringify(v), ...(Number.isFinite(ts) ? { timestamp: ts } : {}) };
    });
    const result = this.instance!.processBatch(this.mod.encodeBatch(records));
    const out = this.output!;
    if (this.kind === "filter") {
      const keep = this.mod.decodeFlags(result);
      for (let i = 0; i < n; i++) if (keep[i]) out.collect(this.values[i], this.timestamps[i]!);
    } else {
      for (const r of this.mod.decodeBatchStrings(result)) out.collect(fromText(r.value), r.timestamp ?? Number.NaN);
    }
    this.values.length = 0;
    this.timestamps.length = 0;
  }
}
