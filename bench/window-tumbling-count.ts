/**
 * Benchmark: keyed event-time tumbling-window count through the OperatorHost (key selection,
 * heap state, timers), with 10% of records out of order, and the memory of 1 M keys' windows.
 * Run: node --expose-gc --import tsx bench/window-tumbling-count.ts [events] [keys] [windowMs] [tumbling|sliding|session]
 * (sliding: slide = size / 10; session: gap = windowMs)
 * (event time advances 1 ms per 100 events).
 */
import { OperatorHost } from "../core/runtime/operator-host.ts";
import type { Output } from "../core/runtime/operator.ts";
import { ManualProcessingTimeService } from "../core/time/manual-processing-time-service.ts";
import { EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows, WindowOperator } from "../core/window/index.ts";
import { mulberry32 as rng } from "../core/testing/random.ts";

interface Click {
  page: number;
  ts: number;
}

const kind = process.argv[5] ?? "tumbling";

function assigner(windowMs: number) {
  if (kind === "sliding") return SlidingEventTimeWindows.of<Click>(windowMs, windowMs / 10);
  if (kind === "session") return EventTimeSessionWindows.withGap<Click>(windowMs);
  return TumblingEventTimeWindows.of<Click>(windowMs);
}

function makeHost(counter: { n: number }, windowMs = 1_000) {
  const output: Output<number> = {
    collect: () => void counter.n++,
    collectSide: () => {},
    emitWatermark: () => {},
  };
  const operator = new WindowOperator<Click, number>({
    assigner: assigner(windowMs),
    function: {
      kind: "aggregate",
      aggregate: { createAccumulator: () => 0, add: (_v: Click, acc: number) => acc + 1, getResult: (acc: number) => acc, merge: (a: number, b: number) => a + b },
    },
    name: "Window(TumblingEventTimeWindows(1000), count)",
  });
  return new OperatorHost<Click, number>({
    operator,
    name: "window",
    id: "window",
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    output,
    processingTime: new ManualProcessingTimeService(),
    keySelectors: [(c: Click) => c.page],
  });
}


async function throughput(events: number, keys: number, windowMs: number): Promise<void> {
  const counter = { n: 0 };
  const host = makeHost(counter, windowMs);
  await host.open();
  const random = rng(42);
  // 100 events per ms of event time; 10% of them up to 500 ms late; watermark every 1000 events.
  const batch: Click[] = new Array(events);
  for (let i = 0; i < events; i++) {
    const base = Math.floor(i / 100);
    const ts = random() < 0.1 ? base - Math.floor(random() * 500) : base;
    batch[i] = { page: Math.floor(random() * keys), ts };
  }
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let maxTs = -Infinity;
  for (let i = 0; i < events; i++) {
    const c = batch[i]!;
    host.processElement(c, c.ts);
    if (c.ts > maxTs) maxTs = c.ts;
    if (i % 1000 === 999) host.processWatermark(maxTs - 500 - 1);
  }
  host.processWatermark(Number.POSITIVE_INFINITY);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `${kind} count (${windowMs} ms windows): ${events} events, ${keys} keys, ${counter.n} results: ` +
      `${(events / seconds / 1e6).toFixed(2)} M events/s wall, ${(events / cpuSeconds / 1e6).toFixed(2)} M events/s per CPU second`,
  );
}

async function memory(keys: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const counter = { n: 0 };
  const host = makeHost(counter);
  await host.open();
  const click: Click = { page: 0, ts: 0 };
  for (let k = 0; k < keys; k++) {
    click.page = k;
    host.processElement(click, (k * 7) % 1000);
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`memory: ${keys} keys with an open window: ${((after - before) / 1e6).toFixed(0)} MB heap (${gc ? "after gc" : "no --expose-gc"})`);
  host.processWatermark(Number.POSITIVE_INFINITY);
  console.log(`  fired ${counter.n} windows`);
}

const events = Number(process.argv[2] ?? 5_000_000);
const keys = Number(process.argv[3] ?? 10_000);
const windowMs = Number(process.argv[4] ?? 1_000);
await throughput(events, keys, windowMs);
await throughput(events, keys, windowMs);
await memory(1_000_000);
