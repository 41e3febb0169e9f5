/**
 * The job the fault-tolerance tests run: a replayable generator (disorder within the watermark
 * bound, so nothing is ever late and the output does not depend on when watermarks happen),
 * keyed tumbling windows (count and sum) and a KeyedProcessFunction whose event-time timers
 * emit per-timestamp sums from MapState, all into one sink. A failure can be injected: the
 * `fail` hook runs for every record and may throw.
 */
import {
  type DataStream,
  type GeneratorContext,
  type KeyedProcessFunction,
  generatorTimestamp,
  hashToUnit,
  MapStateDescriptor,
  type StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "../core/index.ts";

/** One generated event. */
export interface Tick {
  readonly key: number;
  readonly value: number;
  readonly ts: number;
  readonly index: number;
}

/** Options of the job. */
export interface WindowedTimersOptions {
  readonly events: number;
  readonly ratePerSecond?: number;
  readonly seed?: number;
  /** Called with every record in the first operator after the source; throw to inject a failure. */
  readonly fail?: (tick: Tick) => void;
  /** Called in the timer operator; throw to crash that subtask instead. */
  readonly failInTimers?: (tick: Tick) => void;
}

const BOUND = 50;

/** Tick `index` as the generator makes it from its random numbers and timestamp. */
const tick = (index: number, context: GeneratorContext): Tick => ({ key: Math.floor(context.random() * 13), value: Math.floor(context.random() * 100), ts: context.timestamp, index });

const disorder = { fraction: 0.2, maxDelayMs: BOUND } as const;

/**
 * The job's input, computed from the generator's contract (record i is a pure function of the
 * seed and i: its random numbers are hashToUnit(seed, i, n) and its timestamp
 * generatorTimestamp(options, i)) without running a job.
 */
export function windowedTimersEvents(events: number, seed = 1): Tick[] {
  return Array.from({ length: events }, (_, index) => {
    let n = 0;
    return tick(index, { timestamp: generatorTimestamp({ seed, disorder }, index), random: () => hashToUnit(seed, index, n++) });
  });
}

/** Builds the job on `env` and returns the stream of result lines. */
export function windowedTimersJob(env: StreamExecutionEnvironment, options: WindowedTimersOptions): DataStream<string> {
  const ticks = env
    .fromGenerator<Tick>(
      {
        generate: tick,
        count: options.events,
        ratePerSecond: options.ratePerSecond,
        seed: options.seed ?? 1,
        disorder,
      },
      WatermarkStrategy.forBoundedOutOfOrderness<Tick>(BOUND).withTimestampAssigner((t) => t.ts),
      "ticks",
    )
    .uid("ticks")
    .map((t) => {
      options.fail?.(t);
      return t;
    }, "maybe fail")
    .uid("maybe-fail");
  const windows = ticks
    .keyBy((t) => t.key)
    .window(TumblingEventTimeWindows.of(100))
    .aggregate<{ n: number; sum: number }, { n: number; sum: number }, string>(
      {
        createAccumulator: () => ({ n: 0, sum: 0 }),
        add: (t, acc) => ({ n: acc.n + 1, sum: acc.sum + t.value }),
        getResult: (acc) => acc,
        merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
      },
      (key, ctx, results, out) => {
        for (const r of results) out.collect(`w key=${key} start=${ctx.window.start} n=${r.n} sum=${r.sum}`);
      },
    )
    .uid("windows");
  const perTimestamp: KeyedProcessFunction<number, Tick, string> = {
    processElement(t, ctx) {
      options.failInTimers?.(t);
      const sums = ctx.getState(new MapStateDescriptor<number, number>("sums"));
      sums.put(t.ts, (sums.get(t.ts) ?? 0) + t.value);
      ctx.timerService().registerEventTimeTimer(t.ts + 25);
    },
    onTimer(timestamp, ctx, out) {
      const sums = ctx.getState(new MapStateDescriptor<number, number>("sums"));
      const ts = timestamp - 25;
      const sum = sums.get(ts);
      if (sum !== undefined) {
        out.collect(`t key=${ctx.getCurrentKey()} ts=${ts} sum=${sum}`);
        sums.remove(ts);
      }
    },
  };
  const timers = ticks.keyBy((t) => t.key).process(perTimestamp, "per-timestamp sums").uid("timers");
  return windows.union(timers);
}

/** The job's output computed directly from the generated events, with no engine involved. */
export function expectedWindowedTimersOutput(events: readonly Tick[]): string[] {
  const out: string[] = [];
  const windows = new Map<string, { key: number; start: number; n: number; sum: number }>();
  const sums = new Map<string, { key: number; ts: number; sum: number }>();
  for (const t of events) {
    const start = t.ts - (((t.ts % 100) + 100) % 100);
    const w = windows.get(`${t.key}/${start}`) ?? { key: t.key, start, n: 0, sum: 0 };
    w.n++;
    w.sum += t.value;
    windows.set(`${t.key}/${start}`, w);
    const s = sums.get(`${t.key}/${t.ts}`) ?? { key: t.key, ts: t.ts, sum: 0 };
    s.sum += t.value;
    sums.set(`${t.key}/${t.ts}`, s);
  }
  for (const w of windows.values()) out.push(`w key=${w.key} start=${w.start} n=${w.n} sum=${w.sum}`);
  for (const s of sums.values()) out.push(`t key=${s.key} ts=${s.ts} sum=${s.sum}`);
  return out.sort();
}
