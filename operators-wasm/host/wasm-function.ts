/**
 * A component as a user function of the DataStream API (core's OperatorProvider): the world
 * decides which kind of function it can stand in for, and each parallel subtask gets its own
 * instance. Uses only instance.ts (no jco), so it also runs on workerd with bundled components.
 */
import type { AggregateFunction } from "../../core/state/types.ts";
import type { OperatorKind, OperatorProvider, RichFunction } from "../../core/api/functions.ts";
import type { StreamOperator } from "../../core/runtime/operator.ts";
import { WasmOperatorError } from "./errors.ts";
import { instantiateComponent, type CompiledComponent, type KeyedProcessHost, type LoadedComponent } from "./instance.ts";
import {
  FilterComponentOperator,
  FlatMapComponentOperator,
  KeySelectorComponentOperator,
  KeyedProcessComponentOperator,
  MapComponentOperator,
  TimestampComponentOperator,
  type ComponentSource,
} from "./operators.ts";
import type { ValueEncoding } from "./value-codec.ts";
import { WindowAggregateFunction } from "./window-aggregate.ts";
import type { WorldName } from "./worlds.ts";

/** The world a component needs to stand in for each kind of function. */
export const WORLD_OF_KIND: Readonly<Record<OperatorKind | "aggregate", WorldName>> = {
  map: "map-operator",
  filter: "filter-operator",
  flatMap: "flat-map-operator",
  keySelector: "key-selector-operator",
  timestampAssigner: "timestamp-extractor-operator",
  keyedProcess: "keyed-process-operator",
  aggregate: "window-aggregate-operator",
};

/** Options of {@link WasmFunction}. */
export interface WasmFunctionOptions {
  /** Shown in operator names and errors; defaults to the compiled component's name. */
  name?: string;
  /** How record values cross the boundary; default `string` (UTF-8). */
  values?: ValueEncoding;
}

/** Where a WasmFunction gets its compiled component: compiled already, or compiled on first use. */
export type CompiledSource = CompiledComponent | { readonly world: WorldName; readonly name: string; compile(): Promise<CompiledComponent> };

/**
 * A WebAssembly component usable wherever the DataStream API takes a function of its world's
 * kind: `map`, `filter`, `flatMap`, `keyBy`, `withTimestampAssigner`, `KeyedStream.process`,
 * `WindowedStream.aggregate`. Build one with `wasm(...)` from `eddy/wasm`.
 */
export class WasmFunction implements OperatorProvider, ComponentSource {
  readonly name: string;
  readonly world: WorldName;
  readonly values: ValueEncoding;
  private compiled: Promise<CompiledComponent> | undefined;

  constructor(private readonly source: CompiledSource, options: WasmFunctionOptions = {}) {
    this.name = options.name ?? source.name;
    this.world = source.world;
    this.values = options.values ?? "string";
    if (!["string", "bytes", "json"].includes(this.values)) {
      throw new WasmOperatorError("WASM_INVALID", this.name, this.world, `values must be "string", "bytes" or "json", got ${String(this.values)}`);
    }
  }

  /** Throws WASM_WRONG_WORLD unless this component can serve as `kind`. */
  checkKind(kind: OperatorKind | "aggregate"): void {
    const expected = WORLD_OF_KIND[kind];
    if (expected === undefined) {
      throw new WasmOperatorError("WASM_WRONG_WORLD", this.name, this.world, `a component cannot serve as a ${String(kind)}`);
    }
    if (expected !== this.world) {
      throw new WasmOperatorError("WASM_WRONG_WORLD", this.name, this.world, `cannot serve as ${kind}: expected world ${expected}, got world ${this.world}`);
    }
  }

  /** Throws WASM_WRONG_WORLD unless the component targets `world`. */
  checkWorld(world: WorldName): void {
    if (world !== this.world) throw new WasmOperatorError("WASM_WRONG_WORLD", this.name, this.world, `expected world ${world}, got world ${this.world}`);
  }

  createOperator(kind: OperatorKind): StreamOperator<any, any> {
    this.checkKind(kind);
    switch (kind) {
      case "map":
        return new MapComponentOperator(this, this.world);
      case "filter":
        return new FilterComponentOperator(this, this.world);
      case "flatMap":
        return new FlatMapComponentOperator(this, this.world);
      case "keySelector":
        return new KeySelectorComponentOperator(this, this.world);
      case "timestampAssigner":
        return new TimestampComponentOperator(this, this.world);
      case "keyedProcess":
        return new KeyedProcessComponentOperator(this, this.world);
    }
  }

  createAggregateFunction(): AggregateFunction<unknown, unknown, unknown> & RichFunction & { finishBatch(): void } {
    this.checkKind("aggregate");
    return new WindowAggregateFunction(this);
  }

  /** Compiles once (shared by every subtask and restart), then instantiates. */
  async instantiate(host?: KeyedProcessHost): Promise<LoadedComponent> {
    const source = this.source;
    this.compiled ??= "compile" in source ? source.compile() : Promise.resolve(source);
    let compiled: CompiledComponent;
    try {
      compiled = await this.compiled;
    } catch (e) {
      this.compiled = undefined;
      throw e;
    }
    return instantiateComponent({ ...compiled, name: this.name }, host === undefined ? {} : { host });
  }

  toString(): string {
    return `wasm(${this.name}, ${this.world})`;
  }
}
