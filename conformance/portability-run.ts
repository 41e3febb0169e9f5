/**
 * One side of the savepoint portability check, in whichever runtime runs this file (Node, Deno
 * or Bun); `eddy conformance` starts it:
 *
 *   portability-run.ts take <dir>               runs the job in <dir>, stops it with a savepoint: prints SAVEPOINT <location>
 *   portability-run.ts resume <dir> <location>  resumes the job in <dir> from the savepoint and runs it to its end: prints DONE
 */
import { openFiles } from "./exactly-once-job.ts";
import { resumeFromPortableSavepoint, takePortableSavepoint } from "./portability.ts";

declare const Deno: { args: string[]; exit(code: number): never } | undefined;

const [mode, dir, location] = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
if ((mode !== "take" && mode !== "resume") || dir === undefined || (mode === "resume" && location === undefined)) {
  throw new Error("[eddy] usage: portability-run.ts take <dir> | resume <dir> <location>");
}
const fs = await openFiles({ dir });
if (mode === "take") console.log(`SAVEPOINT ${await takePortableSavepoint(fs)}`);
else {
  await resumeFromPortableSavepoint(fs, location!);
  console.log("DONE");
}
// Exit explicitly: nothing more is to come, whatever timers a job left.
if (typeof Deno !== "undefined") Deno.exit(0);
else process.exit(0);
