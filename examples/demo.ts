/**
 * `npm start`: runs the page-count demo on the built-in generator (no services needed), prints
 * each window's counts as it fires, and keeps a one-line status (events/s, watermark,
 * backpressure). Stop with Ctrl-C. `--events N` stops after N events; `--rate R` sets events/s.
 */
import { StreamExecutionEnvironment, type Sink } from "../core/index.ts";
import { type PageCount, type PageView, pageCounts } from "./page-counts.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const rate = Number(args.get("rate") ?? 50_000);
const events = args.has("events") ? Number(args.get("events")) : undefined;

const tty = process.stdout.isTTY === true;
let statusShown = false;
function printLine(line: string): void {
  if (tty && statusShown) process.stdout.write("\r\x1b[2K");
  process.stdout.write(`${line}\n`);
  statusShown = false;
}
function showStatus(line: string): void {
  if (tty) {
    process.stdout.write(`\r\x1b[2K${line}`);
    statusShown = true;
  } else {
    process.stdout.write(`${line}\n`);
  }
}
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
const { counts, late } = pageCounts(env, { ratePerSecond: rate, count: events });
counts.sinkTo(windowSink);
late.sinkTo(lateSink);
const job = env.executeAsync("page counts");
printLine(`eddy demo: ${rate} page views/s, 5 s event-time windows, up to 2 s disorder (Ctrl-C to stop)`);

const status = setInterval(() => {
  const m = job.metrics();
  const levels = m.vertices.map((v) => v.backpressureLevel);
  const level = levels.includes("high") ? "HIGH" : levels.includes("low") ? "LOW" : "OK";
  showStatus(`${Math.round(m.sourceRecordsPerSecond).toLocaleString("en-US")} events/s | watermark ${time(m.currentWatermark)} | backpressure ${level} | late ${lateViews}`);
}, 1000);

const stop = (): void => {
  void job.cancel();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
try {
  await job.getJobExecutionResult();
} catch (error) {
  printLine(String(error instanceof Error ? error.message : error));
  process.exitCode = 1;
} finally {
  clearInterval(status);
  if (tty) process.stdout.write("\n");
}
