/**
 * A source's rate controller (Spark Streaming's backpressure, beside Flink's credits): every
 * interval it reads what the job did from the engine's own measurements, asks the PID estimator
 * for the rate the job can sustain, and sets the source's ingestion rate (shared by its
 * subtasks). Where credits reach the producer this keeps queues short; where they cannot (a
 * client pushing over HTTP, a Kafka backlog) the rate is what the source lets in.
 *
 * What it observes per interval, from the cumulative counters of every subtask:
 * - elements: records the job's last operators received (for a job of one chained task, the
 *   records its source emitted);
 * - processing delay: the time the busiest vertex spent on them, per subtask: the interval less
 *   the time it had no input and the time it was backpressured, summed over its subtasks and
 *   divided by its parallelism. What is left is its busy time, its wait on its own asynchronous
 *   work (a sink's writes) and the time it had input but its thread was elsewhere (the
 *   executor's own work, other subtasks of the same isolate), so that a saturated vertex's
 *   processing delay is the whole interval. elements / processing delay is the rate the job can
 *   process (where a runtime does not report input time: busy plus asynchronous wait);
 * - scheduling delay: the time records waited in channels before a task took them, the average
 *   per record at each vertex, summed over the vertices (Little's law over each channel's queue).
 */
import type { JobMetrics, RateControllerMetrics } from "../../metrics/job-metrics.ts";
import { PIDRateEstimator, type PidOptions } from "./pid-rate-estimator.ts";

/** Options of a source's rate controller (`DataStream.setRateController`). */
export interface RateControllerOptions extends PidOptions {
  /** How often the rate is updated, ms (default 1000). */
  readonly intervalMs?: number;
  /** The rate before the first estimate, records/s (default: unlimited). */
  readonly initialRate?: number;
  /** The rate never goes above this, records/s (default: unlimited). */
  readonly maxRate?: number;
}

/** What a controller last saw and set (metrics). */
export type RateControllerState = RateControllerMetrics;

interface Totals {
  readonly elements: number;
  /** Per vertex: busy + async wait summed over subtasks, ms; time without input or backpressured, summed (undefined: not reported); its parallelism. */
  readonly work: readonly { readonly ms: number; readonly away: number | undefined; readonly parallelism: number }[];
  /** Per vertex: record·ms waited in channels and records taken. */
  readonly queues: readonly { readonly waited: number; readonly taken: number }[];
}

function totals(m: JobMetrics, terminal: ReadonlySet<string>, sources: ReadonlySet<string>): Totals {
  let elements = 0;
  const work: { ms: number; away: number | undefined; parallelism: number }[] = [];
  const queues: { waited: number; taken: number }[] = [];
  for (const v of m.vertices) {
    let ms = 0;
    let away: number | undefined = 0;
    let waited = 0;
    let taken = 0;
    for (const s of v.subtasks) {
      ms += (s.busyMs ?? 0) + (s.asyncWaitMs ?? 0);
      away = away === undefined || s.noInputMs === undefined ? undefined : away + s.noInputMs + (s.backPressuredMs ?? 0);
      waited += s.queueWaitedMs ?? 0;
      taken += s.queueTaken ?? 0;
      if (terminal.has(v.id)) elements += sources.has(v.id) ? s.recordsOut : s.recordsIn;
    }
    work.push({ ms, away, parallelism: v.parallelism });
    queues.push({ waited, taken });
  }
  return { elements, work, queues };
}

/** Controls one source vertex's rate from the job's metrics. */
export class RateController {
  private readonly estimator: PIDRateEstimator;
  private last: (Totals & { readonly at: number }) | undefined;
  private current: number | undefined;
  private observed: Omit<RateControllerState, "rate"> = { elements: 0, processingDelayMs: 0, schedulingDelayMs: 0, processingRate: 0, updatedAt: undefined };

  constructor(
    readonly vertexId: string,
    readonly options: RateControllerOptions,
    /** Vertices whose records count as processed (no outputs), and which of them are sources. */
    private readonly terminal: ReadonlySet<string>,
    private readonly sources: ReadonlySet<string>,
  ) {
    this.estimator = new PIDRateEstimator(options.intervalMs ?? 1_000, options);
    this.current = options.initialRate;
  }

  /** The rate to hold the source to now, records/s (undefined: unlimited). */
  get rate(): number | undefined {
    return this.current;
  }

  state(): RateControllerState {
    return { rate: this.current, ...this.observed };
  }

  /** One interval is over: observe `metrics` (at `now`, ms) and return the new rate, if any. */
  observe(now: number, metrics: JobMetrics): number | undefined {
    const t = totals(metrics, this.terminal, this.sources);
    const last = this.last;
    this.last = { ...t, at: now };
    if (last === undefined) return undefined;
    const interval = now - last.at;
    const elements = t.elements - last.elements;
    let processingDelayMs = 0;
    let schedulingDelayMs = 0;
    for (let i = 0; i < t.work.length; i++) {
      const w = t.work[i]!;
      const before = last.work[i];
      const busy = (w.ms - (before?.ms ?? 0)) / w.parallelism;
      const present = w.away !== undefined && before?.away !== undefined && interval > 0 ? Math.max(busy, interval - (w.away - before.away) / w.parallelism) : busy;
      processingDelayMs = Math.max(processingDelayMs, present);
      const taken = t.queues[i]!.taken - (last.queues[i]?.taken ?? 0);
      if (taken > 0) schedulingDelayMs += (t.queues[i]!.waited - (last.queues[i]?.waited ?? 0)) / taken;
    }
    this.observed = { elements, processingDelayMs, schedulingDelayMs, processingRate: processingDelayMs > 0 ? (elements / processingDelayMs) * 1000 : 0, updatedAt: now };
    const estimate = this.estimator.compute(now, elements, processingDelayMs, schedulingDelayMs);
    if (estimate === undefined) return undefined;
    this.current = this.options.maxRate !== undefined ? Math.min(estimate, this.options.maxRate) : estimate;
    return this.current;
  }
}
