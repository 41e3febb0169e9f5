/**
 * Runs the windowed-timers job in this process with checkpoints and an exactly-once file sink
 * in a directory, on whichever runtime runs it (Node, Deno or Bun). Used by the tests that kill
 * a process, restart it, and move savepoints between runtimes.
 *
 *   durable-job.ts run <dir> <events> <rate>                 run (resuming from <dir>'s checkpoints)
 *   durable-job.ts stop <dir> <events> <rate> <afterMs>      run, then stop with a savepoint; prints its location
 *   durable-job.ts restore <dir> <events> <savepoint>        start from a savepoint and run to the end
 *
 * Options after the arguments: `--parallelism N` (default 2); `--exit-after-checkpoint K` ends
 * the process abruptly right after the metadata of checkpoint K (or the first after it whose
 * pre-committed part files hold records) is written, before any sink hears that it completed:
 * the moment a crash leaves pre-committed transactions behind.
 */
import { FileSink, FileSystemCheckpointStorage, type FileSystem, RestartStrategies, StreamExecutionEnvironment } from "../../core/index.ts";
import { windowedTimersJob } from "../windowed-timers-job.ts";

async function fileSystem(root: string): Promise<FileSystem> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return new (await import("../../adapters/deno/fs.ts")).DenoFileSystem(root);
  if (g.Bun !== undefined) return new (await import("../../adapters/bun/fs.ts")).BunFileSystem(root);
  return new (await import("../../adapters/node/fs.ts")).NodeFileSystem(root);
}

/** Ends the process at once, on any runtime: no cleanup, like a kill. */
function exitNow(code: number): never {
  const g = globalThis as { Deno?: { exit(code: number): never }; process?: { exit(code: number): never } };
  if (g.Deno !== undefined) g.Deno.exit(code);
  return g.process!.exit(code);
}

/** Whether some pre-committed part file holds records. */
async function pendingRecords(fs: FileSystem): Promise<boolean> {
  for (const name of await fs.list("out/.pending")) if (((await fs.readFile(`out/.pending/${name}`))?.byteLength ?? 0) > 0) return true;
  return false;
}

/**
 * `fs`, ending the process once the `_metadata` of a checkpoint numbered `checkpointId` or
 * later is in place while pre-committed part files hold records.
 */
function exitingAfterCheckpoint(fs: FileSystem, checkpointId: number): FileSystem {
  return {
    readFile: (p) => fs.readFile(p),
    writeFile: (p, d) => fs.writeFile(p, d),
    rename: async (from, to) => {
      await fs.rename(from, to);
      const m = /\/chk-(\d+)\/_metadata$/.exec(to);
      if (m !== null && Number(m[1]) >= checkpointId && (await pendingRecords(fs))) exitNow(3);
    },
    list: (d) => fs.list(d),
    remove: (p) => fs.remove(p),
    exists: (p) => fs.exists(p),
  };
}

const argv = ((globalThis as { process?: { argv: string[] } }).process?.argv ?? []).slice(2);
const option = (name: string): number | undefined => {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : Number(argv[at + 1]);
};
const [mode, dir, eventsArg, fourth, fifth] = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
if (mode === undefined || dir === undefined || eventsArg === undefined) throw new Error("[eddy] usage: durable-job.ts run|stop|restore <dir> <events> ...");
const fs = await fileSystem(dir);
const exitAfter = option("--exit-after-checkpoint");
const checkpointFs = exitAfter === undefined ? fs : exitingAfterCheckpoint(fs, exitAfter);
const env = StreamExecutionEnvironment.create({ parallelism: option("--parallelism") ?? 2 });
env.enableCheckpointing(50, { storage: new FileSystemCheckpointStorage(checkpointFs, "checkpoints"), jobKey: "durable" });
env.setRestartStrategy(RestartStrategies.noRestart());
if (mode === "restore") env.setSavepointRestore(fourth!);
const rate = mode === "restore" ? undefined : Number(fourth);
windowedTimersJob(env, { events: Number(eventsArg), ratePerSecond: rate, seed: 11 }).sinkTo(new FileSink<string>({ fs, dir: "out", encode: (s) => s }));
const job = env.executeAsync("durable");
if (mode === "stop") {
  await new Promise((r) => setTimeout(r, Number(fifth)));
  const savepoint = await job.stopWithSavepoint();
  console.log(`SAVEPOINT ${savepoint.location}`);
} else {
  await job.getJobExecutionResult();
  console.log("DONE");
}
