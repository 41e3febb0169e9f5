/**
 * The `eddy` command line. `eddy demo` runs the page-count demo job on the built-in generator.
 */
const [command = "help", ...rest] = process.argv.slice(2);

const commands: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  demo: {
    describe: "run the page-count demo job on the built-in generator (--rate N, --events N)",
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
  await selected.run(rest);
}
