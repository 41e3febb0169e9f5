/**
 * Runs the conformance suite in whichever runtime executes this file, printing one line per
 * scenario and a final `CONFORMANCE {json}` line (the summary) that `eddy conformance` reads:
 *
 *   node_modules/.bin/deno run -A conformance/run.ts
 *   node_modules/.bin/bun run conformance/run.ts
 *   npx tsx conformance/run.ts
 *
 * `--filter=<substring>` runs only the matching scenarios. `--task-managers=<n>` runs them on n
 * worker TaskManagers of this runtime (worker threads on Node, Web Workers on Deno and Bun), with
 * as many slots each as the widest scenario needs, so every exchange crosses workers.
 * `--components=<dir>` gives the example components (`<guest>.wasm`) to the WebAssembly
 * scenarios, `--kafka=<host:port,...>` a broker to the Kafka scenarios; without them those
 * scenarios are skipped.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectRuntime, runConformance } from "./index.ts";

declare const Deno: { args: string[]; exit(code: number): never; version: { deno: string } } | undefined;
declare const Bun: { version: string } | undefined;

const runtime = detectRuntime();
const version = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const filter = flag("filter");
const taskManagers = Number(flag("task-managers") ?? 0);
const componentsDir = flag("components");
const kafka = flag("kafka")?.split(",").filter((s) => s !== "");

/** The components in `dir` by file name without `.wasm`. */
async function readComponents(dir: string): Promise<Map<string, Uint8Array>> {
  const components = new Map<string, Uint8Array>();
  for (const file of await readdir(dir)) {
    if (file.endsWith(".wasm")) components.set(file.slice(0, -".wasm".length), new Uint8Array(await readFile(join(dir, file))));
  }
  return components;
}

const adapter = `../adapters/${runtime}/worker-cluster${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`;
const cluster = taskManagers > 0 ? await (await import(adapter)).workerCluster({ taskManagers, slotsPerTaskManager: 4 }) : undefined;

const summary = await runConformance({
  filter,
  cluster,
  runtime,
  ...(componentsDir !== undefined ? { components: await readComponents(componentsDir) } : {}),
  ...(kafka !== undefined && kafka.length > 0 ? { kafka } : {}),
  tempDirectories: {
    create: () => mkdtemp(join(tmpdir(), "eddy-conformance-")),
    remove: (dir) => rm(dir, { recursive: true, force: true }),
  },
  reporter(result) {
    const ms = `${Math.round(result.durationMs)} ms`;
    if (result.status === "passed") console.log(`  ok    ${result.name} (${ms})`);
    else if (result.status === "skipped") console.log(`  skip  ${result.name}: ${result.reason}`);
    else console.log(`  FAIL  ${result.name} (${ms})\n        ${result.error}`);
  },
});
await cluster?.close();
const where = taskManagers > 0 ? ` on ${taskManagers} worker TaskManagers` : "";
console.log(`CONFORMANCE ${JSON.stringify({ runtime: version + where, ...summary })}`);
// Exit explicitly: a job abandoned by a timeout may still hold timers.
const code = summary.failed === 0 ? 0 : 1;
if (typeof Deno !== "undefined") Deno.exit(code);
else process.exit(code);
