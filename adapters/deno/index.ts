/** @module Eddy on Deno: the file system for checkpoints and file sinks. */
export { DenoFileSystem } from "./fs.ts";
