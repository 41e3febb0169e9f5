/**
 * The jobs of the TaskManager benchmark (bench/cluster-bench.ts), as module exports that every
 * TaskManager builds too. Their sinks fold what they see into a summary per subtask, sent to the
 * JobManager once at the end (a ResultSink whose record is the summary), so measuring adds no
 * traffic between isolates.
 */
import { type DataStream, type ResultSink, type SinkInitContext, type SinkWriter, type StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../core/index.ts";
import { keyGroupFor, operatorIndexForKeyGroup } from "../core/state/key-groups.ts";
import { type PageCount, pageCounts } from "../examples/page-counts.ts";
import { nexmarkGenerator } from "./nexmark/generator.ts";
import { QUERIES } from "./nexmark/suite.ts";
import { nexmarkSource } from "./nexmark/queries/views.ts";

/** What a run's sinks saw, summed over subtasks. */
export interface Summary {
  count: number;
  checksum: number;
  /** End-to-end latencies, ms (latency job only). */
  latencies: number[];
}

/** Summaries of the runs in this isolate (the JobManager's), by run id. */
export const summaries: Map<string, Summary> = new Map();

/** Folds records into a summary per writer; on another TaskManager the summary travels at the end. */
class SummarySink<T> implements ResultSink<Summary> {
  readonly name = "Summary";
  readonly collectsResults = true as const;
  constructor(
    private readonly total: Summary,
    private readonly fold: (s: Summary, value: T) => void,
  ) {}
  createWriter(context: SinkInitContext): SinkWriter<Summary> {
    const local: Summary = context.results === undefined ? this.total : { count: 0, checksum: 0, latencies: [] };
    const fold = this.fold;
    return {
      write: (value) => fold(local, value as unknown as T),
      flush: (endOfInput) => {
        if (endOfInput && context.results !== undefined) context.results.add(local);
      },
    };
  }
  accept(values: readonly Summary[]): void {
    for (const s of values) {
      this.total.count += s.count;
      this.total.checksum = (this.total.checksum + s.checksum) >>> 0;
      for (const l of s.latencies) this.total.latencies.push(l);
    }
  }
}

function summarize<T>(stream: DataStream<T>, run: string, fold: (s: Summary, value: T) => void): void {
  let total = summaries.get(run);
  if (total === undefined) summaries.set(run, (total = { count: 0, checksum: 0, latencies: [] }));
  stream.sinkTo(new SummarySink(total, fold) as never, "Summary");
}

/** Parameters shared by the jobs. */
export interface RunParams {
  readonly run: string;
  readonly events: number;
}

/** Keyed tumbling-window count: generator -> keyBy (crosses TaskManagers) -> 100 ms windows. */
export function windowCount(env: StreamExecutionEnvironment, params: RunParams & { keys: number }): void {
  const windows = env
    .fromGenerator(
      { generate: (i) => ({ key: i % params.keys, ts: Math.floor(i / 100) }), count: params.events },
      WatermarkStrategy.forBoundedOutOfOrderness<{ key: number; ts: number }>(0).withTimestampAssigner((e) => e.ts),
      "events",
    )
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(100))
    .aggregate({ createAccumulator: () => 0, add: (_e, n: number) => n + 1, getResult: (n) => n, merge: (a, b) => a + b });
  summarize(windows, params.run, (s, n: number) => {
    s.count++;
    s.checksum = (s.checksum + n) >>> 0;
  });
}

/** A Nexmark query on the generator's events (records cross TaskManagers wherever the query exchanges). */
export function nexmark(env: StreamExecutionEnvironment, params: RunParams & { query: string; seed: number }): void {
  const query = QUERIES.find((q) => q.name === params.query)!;
  const generator = nexmarkGenerator({ count: params.events, seed: params.seed });
  const fingerprint = query.fingerprint;
  summarize(query.build(nexmarkSource(env, generator)), params.run, (s, r: unknown) => {
    s.count++;
    s.checksum = (s.checksum + fingerprint(r)) >>> 0;
  });
}

/** Two keys whose key groups belong to subtask 0 and 1 of 2. */
function keysOfSubtasks(): [number, number] {
  const found: (number | undefined)[] = [undefined, undefined];
  for (let k = 0; found[0] === undefined || found[1] === undefined; k++) {
    const subtask = operatorIndexForKeyGroup(128, 2, keyGroupFor(k, 128));
    if (found[subtask] === undefined) found[subtask] = k;
  }
  return [found[0]!, found[1]!];
}

/**
 * generator (2 subtasks) -> keyBy -> map (2 subtasks): with `cross`, every record goes to the
 * other subtask (on the other TaskManager), else to its own; the difference is the cost of the
 * exchange across isolates.
 */
export function exchange(env: StreamExecutionEnvironment, params: RunParams & { cross: boolean }): void {
  const keys = keysOfSubtasks();
  const mapped = env
    .fromGenerator({ generate: (i) => ({ i, to: keys[(i + (params.cross ? 1 : 0)) % 2]! }), count: params.events })
    .keyBy((r) => r.to)
    .map((r) => r.i);
  summarize(mapped, params.run, (s, i: number) => {
    s.count++;
    s.checksum = (s.checksum + i) >>> 0;
  });
}

/** Wall-clock time with sub-millisecond precision, comparable between isolates of one process. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Records stamped at the source, each sent to the subtask on the other TaskManager, their age measured in the sink. */
export function latency(env: StreamExecutionEnvironment, params: RunParams & { ratePerSecond: number }): void {
  const keys = keysOfSubtasks();
  const stamped = env
    .fromGenerator({ generate: (i) => ({ to: keys[(i + 1) % 2]!, at: now() }), count: params.events, ratePerSecond: params.ratePerSecond })
    .keyBy((r) => r.to)
    .map((r) => r);
  summarize(stamped, params.run, (s, r: { to: number; at: number }) => {
    s.count++;
    s.latencies.push(now() - r.at);
  });
}

/** The demo's page-view count (string keys, 10% late events, 5 s windows) on `events` views, unthrottled. */
export function pageViewCounts(env: StreamExecutionEnvironment, params: RunParams): void {
  const { counts } = pageCounts(env, { count: params.events, ratePerSecond: 1_000_000_000, startTime: 0, seed: 42 });
  summarize(counts, params.run, (s, c: PageCount) => {
    s.count++;
    s.checksum = (s.checksum + c.views + c.start) >>> 0;
  });
}

/**
 * The page-view count on JSON text, as events arrive from Kafka or HTTP ingest: each view is
 * parsed before keyBy (the parsed view crosses TaskManagers), then counted per page in 1 s windows.
 */
export function jsonPageViewCounts(env: StreamExecutionEnvironment, params: RunParams): void {
  const pages = ["/", "/pricing", "/docs", "/blog", "/login", "/signup", "/about", "/careers"];
  const counts = env
    .fromGenerator({ generate: (i) => `{"user":"u${(i * 7919) % 10_000}","page":"${pages[(i * 31) % pages.length]}","ts":${Math.floor(i / 10)}}`, count: params.events })
    .map((line) => JSON.parse(line) as { user: string; page: string; ts: number }, "Parse")
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<{ user: string; page: string; ts: number }>(0).withTimestampAssigner((v) => v.ts))
    .keyBy((v) => v.page)
    .window(TumblingEventTimeWindows.of(1_000))
    .aggregate({ createAccumulator: () => 0, add: (_v, n: number) => n + 1, getResult: (n) => n, merge: (a, b) => a + b });
  summarize(counts, params.run, (s, n: number) => {
    s.count++;
    s.checksum = (s.checksum + n) >>> 0;
  });
}
