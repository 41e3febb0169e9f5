/** @module Eddy on Node: the file system for checkpoints and file sinks, and serving the HTTP API. */
export { NodeFileSystem } from "./fs.ts";
export { serve, type ServeOptions, type RunningServer, type FetchApp } from "./serve.ts";
