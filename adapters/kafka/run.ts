/**
 * Runs the Kafka scenarios in whichever runtime executes this file (each starts its own test
 * broker), printing one line per scenario and a final `CONFORMANCE {json}` summary line:
 *
 *   node_modules/.bin/deno run --no-check --allow-all adapters/kafka/run.ts
 *   node_modules/.bin/bun run adapters/kafka/run.ts
 *   npx tsx adapters/kafka/run.ts
 *
 * `--filter=<substring>` runs only the matching scenarios.
 */
import { kafkaScenarios } from "./scenarios.ts";

declare const Deno: { args: string[]; exit(code: number): never; version: { deno: string } } | undefined;
declare const Bun: { version: string } | undefined;

const runtime = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const filter = args.find((a) => a.startsWith("--filter="))?.slice("--filter=".length);

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
const code = failed === 0 ? 0 : 1;
if (typeof Deno !== "undefined") Deno.exit(code);
else process.exit(code);
