/** @module Eddy on Bun: the file system for checkpoints and file sinks. */
export { BunFileSystem } from "./fs.ts";
