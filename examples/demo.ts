/**
 * `eddy demo`: runs the page-count demo on the built-in generator (no services needed), prints
 * each window's counts as it fires, and keeps a one-line status (events/s, watermark,
 * backpressure). Stop with Ctrl-C. `--events N` stops after N events; `--rate R` sets events/s.
 * (`npm start` runs the same demo inside `eddy serve --demo`, with the HTTP API.)
 */
import { parseArgs } from "node:util";
import { startDemo } from "./demo-console.ts";

const { values } = parseArgs({ args: process.argv.slice(2), options: { rate: { type: "string" }, events: { type: "string" } } });
const rate = Number(values.rate ?? 50_000);
const events = values.events !== undefined ? Number(values.events) : undefined;

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
