/**
 * Runs the Kafka scenarios in whichever runtime executes this file (each starts its own test
 * broker), printing one line per scenario and a final `CONFORMANCE {json}` summary line:
 *
 *   node_modules/.bin/deno run --no-check --allow-all adapters/kafka/run.ts
 *   node_modules/.bin/bun run adapters/kafka/run.ts
 *   npx tsx adapters/kafka/run.ts
 *
 * `--filter=<substring>` runs only the matching scenarios. After a run where everything passed,
 * the process must exit by itself (no connection or timer left open); if it is still alive
 * 5 s later, it says so and exits with 1.
 */
import { kafkaScenarios } from "./scenarios.ts";

declare const Deno: { args: string[]; exit(code: number): never; version: { deno: string } } | undefined;
declare const Bun: { version: string } | undefined;

const runtime = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const filter = args.find((a) => a.startsWith("--filter="))?.slice("--filter=".length);

/** How long the process may live on after the last scenario before it counts as a leak. */
const LINGER_MS = 5_000;

let passed = 0;
let failed = 0;
const started = performance.now();
for (const s of kafkaScenarios) {
  if (filter !== undefined && !s.name.includes(filter)) continue;
  const t = performance.now();
  try {
    await s.run();
    passed++;
    console.log(`  ok    ${s.name} (${Math.round(performance.now() - t)} ms)`);
  } catch (e) {
    failed++;
    console.log(`  FAIL  ${s.name} (${Math.round(performance.now() - t)} ms)\n        ${e instanceof Error ? e.message : String(e)}`);
  }
}
console.log(`CONFORMANCE ${JSON.stringify({ runtime, passed, failed, durationMs: Math.round(performance.now() - started) })}`);
const exit = (code: number): never => (typeof Deno !== "undefined" ? Deno.exit(code) : process.exit(code));
if (failed > 0) exit(1);
// Every job has ended and every broker is closed: nothing may keep the process alive (an
// unclosed Kafka connection, a timer of a reader or sink). Exit on our own only if something does.
const linger = setTimeout(() => {
  console.log(`  FAIL  the process did not exit by itself within ${LINGER_MS} ms of the last scenario (an open connection or timer)`);
  exit(1);
}, LINGER_MS);
// An unref'd timer does not hold the process itself; it fires only if something else does.
if (typeof Deno !== "undefined") (Deno as unknown as { unrefTimer(id: number): void }).unrefTimer(linger as unknown as number);
else (linger as unknown as { unref(): void }).unref();
