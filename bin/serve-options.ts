/**
 * The options of `eddy serve` and their usage line, shared by the command and the CLI's help.
 */
/** The options of `eddy serve`, for node:util parseArgs. */
export const SERVE_OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  "public-reads": { type: "boolean" },
  "checkpoint-dir": { type: "string" },
  "data-dir": { type: "string" },
  demo: { type: "boolean" },
  rate: { type: "string" },
  events: { type: "string" },
  quiet: { type: "boolean" },
  "max-artifact-bytes": { type: "string" },
  "max-jobs": { type: "string" },
  "max-slots": { type: "string" },
  "task-managers": { type: "string" },
  slots: { type: "string" },
  "user-code-budget-ms": { type: "string" },
  "kafka-brokers": { type: "string" },
} as const;

/** The options of `eddy serve`, as its help shows them. */
export const SERVE_USAGE =
  "eddy serve [--port 8081] [--host 127.0.0.1] [--token T [--public-reads]] [--checkpoint-dir DIR] [--data-dir .eddy] [--demo] [--kafka-brokers host:port,...] [--max-jobs 32] [--max-slots N] [--task-managers N (default: one per core; 0: in the server's isolate)] [--slots 4] [--user-code-budget-ms 10000]";
