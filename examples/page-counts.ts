/**
 * The demo job: page views from the built-in generator (seeded, rate-limited, 10% of events up
 * to 2 s late in event time), counted per page in 5-second event-time windows, with late
 * views sent to a side output. Exported so the CLI, the server and the tests run the same job.
 */
import {
  type DataStream,
  OutputTag,
  type StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "../core/index.ts";

/** One page view. */
export interface PageView {
  readonly user: string;
  readonly page: string;
  /** Event time, ms. */
  readonly ts: number;
}

/** One window's count for one page. */
export interface PageCount {
  readonly page: string;
  readonly start: number;
  readonly end: number;
  readonly views: number;
}

/** Options of the demo job. */
export interface PageCountsOptions {
  /** Events per second (default 50 000). */
  readonly ratePerSecond?: number;
  /** Stop after this many events (default: never). */
  readonly count?: number;
  readonly windowMs?: number;
  readonly seed?: number;
  /** Event time of the first event (default: now). */
  readonly startTime?: number;
}

const PAGES = ["/", "/pricing", "/docs", "/blog", "/login", "/signup", "/about", "/careers"];

/** Builds the demo job on `env`; returns the window counts and the late views. */
export function pageCounts(env: StreamExecutionEnvironment, options: PageCountsOptions = {}): { counts: DataStream<PageCount>; late: DataStream<PageView> } {
  const rate = options.ratePerSecond ?? 50_000;
  const windowMs = options.windowMs ?? 5_000;
  const late = new OutputTag<PageView>("late-views");
  const views = env.fromGenerator<PageView>(
    {
      // Skewed popularity: lower page indexes are viewed more often.
      generate: (i, ctx) => ({ user: `u${Math.floor(ctx.random() * 10_000)}`, page: PAGES[Math.floor(ctx.random() ** 2 * PAGES.length)]!, ts: ctx.timestamp }),
      count: options.count,
      ratePerSecond: rate,
      seed: options.seed ?? 42,
      startTime: options.startTime ?? Date.now(),
      intervalMs: 1000 / rate,
      disorder: { fraction: 0.1, maxDelayMs: 2_000 },
    },
    WatermarkStrategy.forBoundedOutOfOrderness<PageView>(1_000).withTimestampAssigner((v) => v.ts),
    "page views",
  );
  const counts = views
    .filter((v) => v.user !== "")
    .keyBy((v) => v.page)
    .window(TumblingEventTimeWindows.of(windowMs))
    .sideOutputLateData(late)
    .aggregate<number, number, PageCount>(
      { createAccumulator: () => 0, add: (_v, acc) => acc + 1, getResult: (acc) => acc, merge: (a, b) => a + b },
      (page, ctx, counts, out) => {
        for (const views of counts) out.collect({ page: String(page), start: ctx.window.start, end: ctx.window.end, views });
      },
    )
    .name("page counts");
  return { counts, late: counts.getSideOutput(late) };
}
