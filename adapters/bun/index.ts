/** @module Eddy on Bun: the file system for checkpoints and file sinks, and serving the HTTP API. */
export { BunFileSystem } from "./fs.ts";
export { serve, type ServeOptions, type RunningServer, type FetchApp } from "./serve.ts";
