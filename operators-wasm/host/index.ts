/** @module Host for WebAssembly operators: load components of eddy:operator@0.1.0 and call them once per batch. */
export { loadComponent, compileComponent, readComponentWorld, DEFAULT_MEMORY_LIMIT_BYTES } from "./load.ts";
export type { CompileOptions, LoadOptions, ComponentWorld } from "./load.ts";
export { instantiateComponent, LoadedComponent } from "./instance.ts";
export type { CompiledComponent, GlueInstantiate, InstantiateOptions, KeyedProcessHost } from "./instance.ts";
export { WasmOperatorError } from "./errors.ts";
export type { WasmErrorCode } from "./errors.ts";
export * from "./batch-codec.ts";
export * from "./keyed-codec.ts";
export { MemoryKeyedHost } from "./memory-keyed-host.ts";
export { WORLDS, WIT_PACKAGE, WIT_VERSION } from "./worlds.ts";
export type { WorldName, WorldSpec } from "./worlds.ts";
export { wasm } from "./wasm.ts";
export type { WasmOptions } from "./wasm.ts";
export { WasmFunction, WORLD_OF_KIND } from "./wasm-function.ts";
export type { WasmFunctionOptions, CompiledSource } from "./wasm-function.ts";
export { sniffComponentWorld } from "./sniff-world.ts";
export { PackedRecords, MAX_BATCH } from "./operators.ts";
export type { ValueEncoding } from "./value-codec.ts";
