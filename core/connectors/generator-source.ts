/**
 * A seeded data generator: record i is a pure function of (seed, i), so output does not depend
 * on parallelism and replays identically after a restore. Optional rate limit, event-time
 * timestamps with optional disorder, bounded (count) or not.
 */
import { checkArgument } from "../errors.ts";
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit, SplitEnumeratorContext } from "./source.ts";
import { StaticSplitEnumerator } from "./static-split-enumerator.ts";
import { StaticSplitReader } from "./static-split-reader.ts";

/** What the generate function gets besides the index. */
export interface GeneratorContext {
  /** Event-time timestamp of this record (ms). */
  readonly timestamp: number;
  /** Deterministic random numbers in [0, 1) for this record. */
  random(): number;
}

/** Options of `env.fromGenerator`. */
export interface GeneratorSourceOptions<T> {
  /** Builds record `index`. Must be deterministic given the index and `context.random()`. */
  readonly generate: (index: number, context: GeneratorContext) => T;
  /** Number of records; omitted = unbounded. */
  readonly count?: number;
  /** Records per second over all subtasks; omitted = as fast as possible. */
  readonly ratePerSecond?: number;
  readonly seed?: number;
  /** Event time of record 0 (default 0). */
  readonly startTime?: number;
  /** Event time between consecutive records (default 1 ms; fractions allowed, timestamps are floored to whole ms). */
  readonly intervalMs?: number;
  /** Moves a fraction of the records back in event time by up to `maxDelayMs`. */
  readonly disorder?: { readonly fraction: number; readonly maxDelayMs: number };
}

/** A generator split: every `stride`-th index starting at `next`. */
export interface GeneratorSplit extends SourceSplit {
  next: number;
  readonly stride: number;
}

/** Mixes (seed, index, n) into a float in [0, 1); stateless so any record can be regenerated alone. */
export function hashToUnit(seed: number, index: number, n: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index | 0, 0xc2b2ae35) ^ Math.imul((index / 4294967296) | 0, 0x27d4eb2f) ^ Math.imul(n + 1, 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** The event timestamp the generator gives record `index`. */
export function generatorTimestamp(options: Pick<GeneratorSourceOptions<unknown>, "seed" | "startTime" | "intervalMs" | "disorder">, index: number): number {
  // Event time is whole milliseconds, as in Flink: a fractional interval spreads records evenly.
  const base = Math.floor((options.startTime ?? 0) + index * (options.intervalMs ?? 1));
  const d = options.disorder;
  if (d === undefined || d.fraction <= 0) return base;
  const seed = options.seed ?? 0;
  if (hashToUnit(seed, index, -1) >= d.fraction) return base;
  return base - Math.floor(hashToUnit(seed, index, -2) * (d.maxDelayMs + 1));
}

/** Source behind `env.fromGenerator`. */
export class GeneratorSource<T> implements Source<T, GeneratorSplit, GeneratorSplit[]> {
  readonly boundedness: Boundedness;
  readonly name = "Generator Source";

  constructor(readonly options: GeneratorSourceOptions<T>) {
    checkArgument(typeof options.generate === "function", "[eddy] fromGenerator: `generate` must be a function (index, context) => record", "Generator Source");
    checkArgument(options.count === undefined || (Number.isInteger(options.count) && options.count >= 0), `[eddy] fromGenerator: count must be a non-negative integer, got ${options.count}`, "Generator Source");
    checkArgument(options.ratePerSecond === undefined || options.ratePerSecond > 0, `[eddy] fromGenerator: ratePerSecond must be > 0, got ${options.ratePerSecond}`, "Generator Source");
    const d = options.disorder;
    checkArgument(d === undefined || (d.fraction >= 0 && d.fraction <= 1 && d.maxDelayMs >= 0), "[eddy] fromGenerator: disorder needs 0 <= fraction <= 1 and maxDelayMs >= 0", "Generator Source");
    this.boundedness = options.count === undefined ? ("CONTINUOUS_UNBOUNDED" as const) : ("BOUNDED" as const);
  }

  createEnumerator(context: SplitEnumeratorContext<GeneratorSplit>, restored: GeneratorSplit[] | undefined): StaticSplitEnumerator<GeneratorSplit> {
    const splits = restored ?? Array.from({ length: context.parallelism }, (_, i) => ({ splitId: `generator-${i}`, next: i, stride: context.parallelism }));
    return new StaticSplitEnumerator(context, splits);
  }

  createReader(context: SourceReaderContext): SourceReader<T, GeneratorSplit> {
    return new GeneratorReader(this.options, context);
  }
}

class GeneratorReader<T> extends StaticSplitReader<T, GeneratorSplit> {
  private startedAt: number | undefined;
  private emitted = 0;
  private readonly rate: number | undefined;
  /** Split outputs in use (only once the reader has held more than one split). */
  private readonly outputs = new Map<string, ReaderOutput<T>>();
  private turn = 0;

  constructor(private readonly options: GeneratorSourceOptions<T>, private readonly context: SourceReaderContext) {
    super();
    this.rate = options.ratePerSecond === undefined ? undefined : options.ratePerSecond / context.parallelism;
  }

  pollNext(output: ReaderOutput<T>, max?: number): InputStatus {
    if (this.splits.length === 0) return this.noMoreSplits ? "END_OF_INPUT" : "NOTHING_AVAILABLE";
    // After a rescale a reader holds several splits: they take turns, and each has its own
    // watermark generator (Flink's per-split watermarks), so one split running ahead never
    // makes another's records late.
    const at = this.turn++ % this.splits.length;
    const split = this.splits[at]!;
    let budget = max === undefined ? 1024 : Math.min(1024, max);
    if (this.rate !== undefined) {
      const now = this.context.currentTime();
      this.startedAt ??= now;
      const allowed = Math.floor(((now - this.startedAt) / 1000) * this.rate) + 1 - this.emitted;
      if (allowed <= 0) return "NOTHING_AVAILABLE";
      budget = Math.min(budget, allowed);
    }
    if (this.splits.length > 1 && this.outputs.size === 0) {
      // Every split's watermark counts from the start: an output created later would let the
      // combined watermark run ahead of a split that has not emitted yet.
      for (const s of this.splits) this.outputFor(output, s);
    }
    const splitOutput = this.outputs.size > 0 ? this.outputFor(output, split) : output;
    const { generate, count, seed = 0 } = this.options;
    const limit = count ?? Number.POSITIVE_INFINITY;
    let index = split.next;
    let n = 0;
    const ctx = { timestamp: 0, random: () => hashToUnit(seed, index, n++) };
    const ordered = this.options.disorder === undefined || this.options.disorder.fraction <= 0;
    const start = this.options.startTime ?? 0;
    const interval = this.options.intervalMs ?? 1;
    let produced = 0;
    while (produced < budget && index < limit) {
      // Same value as generatorTimestamp(options, index), without the option lookups per record.
      const ts = ordered ? Math.floor(start + index * interval) : generatorTimestamp(this.options, index);
      ctx.timestamp = ts;
      n = 0;
      splitOutput.collect(generate(index, ctx), ts);
      index += split.stride;
      produced++;
    }
    split.next = index;
    this.emitted += produced;
    if (index >= limit) {
      this.splits.splice(at, 1);
      if (this.outputs.delete(split.splitId)) output.releaseOutputForSplit?.(split.splitId);
    }
    if (this.splits.length === 0 && this.noMoreSplits) return "END_OF_INPUT";
    return "MORE_AVAILABLE";
  }

  /** The split's own output, when the reader output offers them. */
  private outputFor(output: ReaderOutput<T>, split: GeneratorSplit): ReaderOutput<T> {
    let own = this.outputs.get(split.splitId);
    if (own === undefined) {
      own = output.createOutputForSplit?.(split.splitId) ?? output;
      this.outputs.set(split.splitId, own);
    }
    return own;
  }

  override isAvailable(): Promise<void> {
    if (this.rate !== undefined && this.splits.length > 0 && this.startedAt !== undefined) {
      const dueAt = this.startedAt + ((this.emitted + 1) / this.rate) * 1000;
      const delay = Math.max(0, dueAt - this.context.currentTime());
      return new Promise((resolve) => setTimeout(resolve, delay));
    }
    return super.isAvailable();
  }
}
