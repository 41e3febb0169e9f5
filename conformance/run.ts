/**
 * Runs the conformance suite in whichever runtime executes this file, printing one line per
 * scenario and a final `CONFORMANCE {json}` line that scripts/test.mjs parses:
 *
 *   node_modules/.bin/deno run --no-check --allow-read --allow-env conformance/run.ts
 *   node_modules/.bin/bun run conformance/run.ts
 *   npx tsx conformance/run.ts
 *
 * `--filter=<substring>` runs only the matching scenarios. `--task-managers=<n>` runs them on n
 * worker TaskManagers of this runtime (worker threads on Node, Web Workers on Deno and Bun), with
 * as many slots each as the widest scenario needs, so every exchange crosses workers.
 */
import { runConformance } from "./index.ts";

declare const Deno: { args: string[]; exit(code: number): never; version: { deno: string } } | undefined;
declare const Bun: { version: string } | undefined;

const runtime =
  typeof Deno !== "undefined"
    ? `deno ${Deno.version.deno}`
    : typeof Bun !== "undefined"
      ? `bun ${Bun.version}`
      : `node ${process.versions.node}`;
const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const filter = args.find((a) => a.startsWith("--filter="))?.slice("--filter=".length);
const taskManagers = Number(args.find((a) => a.startsWith("--task-managers="))?.slice("--task-managers=".length) ?? 0);

const adapter = typeof Deno !== "undefined" ? "../adapters/deno/worker-cluster.ts" : typeof Bun !== "undefined" ? "../adapters/bun/worker-cluster.ts" : "../adapters/node/worker-cluster.ts";
const cluster = taskManagers > 0 ? await (await import(adapter)).workerCluster({ taskManagers, slotsPerTaskManager: 4 }) : undefined;

const summary = await runConformance({
  filter,
  cluster,
  reporter(result) {
    const ms = `${Math.round(result.durationMs)} ms`;
    console.log(result.ok ? `  ok    ${result.name} (${ms})` : `  FAIL  ${result.name} (${ms})\n        ${result.error}`);
  },
});
await cluster?.close();
const where = taskManagers > 0 ? ` on ${taskManagers} worker TaskManagers` : "";
console.log(`CONFORMANCE ${JSON.stringify({ runtime: runtime + where, ...summary })}`);
// Exit explicitly: a job abandoned by a timeout may still hold timers.
const code = summary.failed === 0 ? 0 : 1;
if (typeof Deno !== "undefined") Deno.exit(code);
else process.exit(code);
