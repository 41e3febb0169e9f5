/**
 * Runs the windowed-timers job in this process with checkpoints and an exactly-once file sink
 * in a directory, on whichever runtime runs it (Node, Deno or Bun). Used by the tests that kill
 * a process, restart it, and move savepoints between runtimes.
 *
 *   durable-job.ts run <dir> <events> <rate>                 run (resuming from <dir>'s checkpoints)
 *   durable-job.ts stop <dir> <events> <rate> <afterMs>      run, then stop with a savepoint; prints its location
 *   durable-job.ts restore <dir> <events> <savepoint>        start from a savepoint and run to the end
 */
import { FileSink, FileSystemCheckpointStorage, type FileSystem, RestartStrategies, StreamExecutionEnvironment } from "../../core/index.ts";
import { windowedTimersJob } from "./windowed-timers-job.ts";

async function fileSystem(root: string): Promise<FileSystem> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return new (await import("../../adapters/deno/fs.ts")).DenoFileSystem(root);
  if (g.Bun !== undefined) return new (await import("../../adapters/bun/fs.ts")).BunFileSystem(root);
  return new (await import("../../adapters/node/fs.ts")).NodeFileSystem(root);
}

const args = ((globalThis as { process?: { argv: string[] } }).process?.argv ?? []).slice(2);
const [mode, dir, eventsArg, fourth, fifth] = args;
if (mode === undefined || dir === undefined || eventsArg === undefined) throw new Error("[eddy] usage: durable-job.ts run|stop|restore <dir> <events> ...");
const fs = await fileSystem(dir);
const env = StreamExecutionEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(50, { storage: new FileSystemCheckpointStorage(fs, "checkpoints"), jobKey: "durable" });
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
