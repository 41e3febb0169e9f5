#!/usr/bin/env node
/**
 * The `eddy` command line: `serve` runs the HTTP API (with `--demo`, the page-count demo job
 * too); `submit` (or `run`), `list`, `cancel` and `savepoint` talk to a running server; `demo`
 * runs the demo job alone; `bundle` writes a Worker for the edge and `dev` runs it in workerd;
 * `conformance` runs the conformance suite on the installed runtimes.
 * Client commands take `--url` (EDDY_URL) and `--token` (EDDY_TOKEN).
 */
import { CliError, clientCommands } from "./client-commands.ts";
import { CONFORMANCE_USAGE } from "./conformance.ts";
import { SERVE_USAGE } from "./serve-options.ts";

const [command = "help", ...rest] = process.argv.slice(2);

const commands: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  serve: {
    describe: `serve the HTTP API: ${SERVE_USAGE.slice("eddy serve ".length)}; started again on the same directories, it resumes its jobs`,
    run: async (args) => (await import("./serve.ts")).serveCommand(args),
  },
  bundle: {
    describe: "write a Worker running Eddy on Durable Objects: eddy bundle <job.ts|spec.json> [--component x.wasm]... -o <dir> [--name worker-name] (worker.js, wrangler.jsonc, config.capnp)",
    run: async (args) => (await import("./bundle.ts")).bundleCommand(args),
  },
  dev: {
    describe: "run a bundled Worker locally in workerd from npm: eddy dev <dir> [--port 8787] [--host 127.0.0.1] [--storage <dir> (default <dir>/storage)]",
    run: async (args) => (await import("./dev.ts")).devCommand(args),
  },
  ...clientCommands,
  conformance: {
    describe: CONFORMANCE_USAGE,
    run: async (args) => (await import("./conformance.ts")).conformanceCommand(args),
  },
  demo: {
    describe: "run the page-count demo job on the built-in generator, without the API (--rate N, --events N)",
    run: async (args) => {
      process.argv = [process.argv[0]!, "demo", ...args];
      await import("../examples/demo.ts");
    },
  },
  help: {
    describe: "show this help",
    run: async () => {
      console.log("usage: eddy <command> [options]\n");
      for (const [name, c] of Object.entries(commands)) console.log(`  ${name.padEnd(10)} ${c.describe}`);
    },
  },
};

const selected = commands[command];
if (selected === undefined) {
  console.error(`[eddy] unknown command "${command}": expected one of ${Object.keys(commands).join(", ")}`);
  process.exitCode = 2;
} else {
  try {
    await selected.run(rest);
  } catch (error) {
    if (!(error instanceof CliError) && !(error instanceof Error && error.message.startsWith("[eddy]"))) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}
