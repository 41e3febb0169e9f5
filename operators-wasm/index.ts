/** @module WebAssembly operators (`eddy/wasm`): load components of eddy:operator@0.1.0 and run them once per batch. */
export * from "./host/index.ts";
