/**
 * One side of the savepoint portability check, in whichever runtime runs this file (Node, Deno
 * or Bun); `eddy conformance` starts it:
 *
 *   portability-run.ts take <dir>               runs the job in <dir>, stops it with a savepoint: prints SAVEPOINT <location>
 *   portability-run.ts resume <dir> <location>  resumes the job in <dir> from the savepoint and runs it to its end: prints DONE
 *
 * With `--webhook <url> <key-prefix>` after them, the job writes to an exactly-once webhook sink
 * instead of its files (as where the other side is a Durable Object deployment).
 */
import { openFiles } from "./exactly-once-job.ts";
import { resumeFromPortableSavepoint, takePortableSavepoint } from "./portability.ts";

declare const Deno: { args: string[]; exit(code: number): never } | undefined;

const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const at = args.indexOf("--webhook");
const [mode, dir, location] = at < 0 ? args : args.slice(0, at);
const webhook = at < 0 ? undefined : { url: args[at + 1]!, keyPrefix: args[at + 2]! };
if ((mode !== "take" && mode !== "resume") || dir === undefined || (mode === "resume" && location === undefined) || (webhook !== undefined && (webhook.url === undefined || webhook.keyPrefix === undefined))) {
  throw new Error("[eddy] usage: portability-run.ts take <dir> | resume <dir> <location>, then optionally --webhook <url> <key-prefix>");
}
const fs = await openFiles({ dir });
if (mode === "take") console.log(`SAVEPOINT ${await takePortableSavepoint(fs, webhook)}`);
else {
  await resumeFromPortableSavepoint(fs, location!, webhook);
  console.log("DONE");
}
// Exit explicitly: nothing more is to come, whatever timers a job left.
if (typeof Deno !== "undefined") Deno.exit(0);
else process.exit(0);
