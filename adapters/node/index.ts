/** @module Eddy on Node: the file system for checkpoints and file sinks. */
export { NodeFileSystem } from "./fs.ts";
