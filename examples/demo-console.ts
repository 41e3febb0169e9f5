/**
 * The demo's console: starts the page-count job, prints each window as it fires and keeps a
 * one-line status (events/s, watermark, backpressure, late views). Shared by `npm start`
 * (`eddy serve --demo`) and `eddy demo`. Node, Deno and Bun (process.stdout).
 */
import { type JobClient, type Sink, StreamExecutionEnvironment } from "../core/index.ts";
import { type PageCount, type PageView, pageCounts } from "./page-counts.ts";

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Events per second (default 50 000). */
  readonly rate?: number;
  /** Stop after this many events (default: never). */
  readonly events?: number;
}

/** A running demo: its job, a way to print above the status line, and stop. */
export interface Demo {
  readonly job: JobClient;
  readonly rate: number;
  printLine(line: string): void;
  /** Stops the status line (the job keeps its own lifecycle). */
  close(): void;
}

/** Starts the demo job and its console output. */
export function startDemo(options: DemoOptions = {}): Demo {
  const rate = options.rate ?? 50_000;
  const tty = process.stdout.isTTY === true;
  let statusShown = false;
  const printLine = (line: string): void => {
    if (tty && statusShown) process.stdout.write("\r\x1b[2K");
    process.stdout.write(`${line}\n`);
    statusShown = false;
  };
  const showStatus = (line: string): void => {
    if (tty) {
      process.stdout.write(`\r\x1b[2K${line}`);
      statusShown = true;
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
  const time = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : ms > 0 ? "end" : "-");

  let lateViews = 0;
  const windowSink: Sink<PageCount> = {
    name: "console",
    createWriter: () => ({
      write: (c) => printLine(`window ${time(c.start)}-${time(c.end)}  ${c.page.padEnd(9)} ${String(c.views).padStart(7)} views`),
      flush: () => {},
    }),
  };
  const lateSink: Sink<PageView> = { name: "late counter", createWriter: () => ({ write: () => void lateViews++, flush: () => {} }) };

  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const { counts, late } = pageCounts(env, { ratePerSecond: rate, count: options.events });
  counts.sinkTo(windowSink);
  late.sinkTo(lateSink);
  const job = env.executeAsync("page counts");

  const status = setInterval(() => {
    const m = job.metrics();
    const levels = m.vertices.map((v) => v.backpressureLevel);
    const level = levels.includes("high") ? "HIGH" : levels.includes("low") ? "LOW" : "OK";
    showStatus(`${Math.round(m.sourceRecordsPerSecond).toLocaleString("en-US")} events/s | watermark ${time(m.currentWatermark)} | backpressure ${level} | late ${lateViews}`);
  }, 1000);
  return {
    job,
    rate,
    printLine,
    close: () => {
      clearInterval(status);
      if (tty && statusShown) process.stdout.write("\n");
      statusShown = false;
    },
  };
}
