/**
 * What a conformance scenario is: a job built with Eddy's public API, and its expected output
 * computed independently, by plain loops over the same seeded input.
 */
import type { DataStream, StreamExecutionEnvironment } from "../core/index.ts";
import type { Comparison } from "./compare.ts";

/** One scenario of the shared suite. `run` and `expected` must be deterministic. */
export interface Scenario<T = unknown> {
  /** Unique, kebab-case; used by `--filter`. */
  readonly name: string;
  /** The Flink behaviour the scenario pins down, in one sentence. */
  readonly description: string;
  /** The environment's default parallelism. */
  readonly parallelism: number;
  /**
   * Builds the job on `env` and returns the stream whose records are compared. It runs in every
   * TaskManager of a cluster too, so it builds the same graph each time.
   */
  build(env: StreamExecutionEnvironment): DataStream<any>;
  /** The output Flink's semantics call for, computed without Eddy. */
  expected(): T[];
  /** How outputs are compared; parallel jobs emit in no fixed order. */
  readonly compare: Comparison<T>;
}

/** An event of the timed scenarios. */
export interface TimedEvent {
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}
