/**
 * `eddy demo`: runs the page-count demo on the built-in generator (no services needed), prints
 * each window's counts as it fires, and keeps a one-line status (events/s, watermark,
 * backpressure). Stop with Ctrl-C. `--events N` stops after N events; `--rate R` sets events/s.
 * (`npm start` runs the same demo inside `eddy serve --demo`, with the HTTP API.)
 */
import { startDemo } from "./demo-console.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const rate = Number(args.get("rate") ?? 50_000);
const events = args.has("events") ? Number(args.get("events")) : undefined;

const demo = startDemo({ rate, events });
demo.printLine(`eddy demo: ${rate} page views/s, 5 s event-time windows, up to 2 s disorder (Ctrl-C to stop)`);

const stop = (): void => {
  void demo.job.cancel();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
try {
  await demo.job.getJobExecutionResult();
} catch (error) {
  demo.printLine(String(error instanceof Error ? error.message : error));
  process.exitCode = 1;
} finally {
  demo.close();
}
