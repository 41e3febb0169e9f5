/**
 * `eddy conformance`: the conformance suite on the runtimes installed here, printed as a matrix
 * of scenario x runtime (or as JSON), with the savepoint portability matrix between them; with
 * `--url`, the HTTP-level scenarios against a deployed Eddy instead.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import type { RuntimeName } from "../conformance/index.ts";
import { RUNTIMES, runHttpMatrix, runMatrix } from "../conformance/runner/matrix.ts";
import { matrixText } from "../conformance/runner/matrix-text.ts";
import { CliError } from "./client-commands.ts";

/** The command's one-line help. */
export const CONFORMANCE_USAGE =
  "run the conformance suite and print a matrix scenario x runtime: [--runtime node|deno|bun|workerd|all (default all; or a list: node,bun; workerd also on Durable Objects, the column workerd/do)] [--task-managers N (also on N worker TaskManagers per runtime)] [--filter SUBSTRING] [--components DIR] [--kafka host:port,...] [--concurrency N] [--json]; or the HTTP-level scenarios against a deployed Eddy: --url http://host:port [--token T (or EDDY_TOKEN)] [--filter SUBSTRING] [--json]";

const OPTIONS = {
  runtime: { type: "string" },
  "task-managers": { type: "string" },
  filter: { type: "string" },
  components: { type: "string" },
  kafka: { type: "string" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
  url: { type: "string" },
  token: { type: "string" },
} as const;

/** The parsed command line of `eddy conformance`. */
export interface ConformanceArgs {
  readonly runtimes: readonly RuntimeName[];
  readonly taskManagers: number;
  readonly filter?: string;
  readonly componentsDir?: string;
  readonly kafka?: readonly string[];
  readonly concurrency: number;
  readonly json: boolean;
  /** A deployment to run the HTTP-level scenarios against, instead of the runtimes here. */
  readonly url?: string;
  readonly token?: string;
}

function count(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliError(`[eddy] --${flag} must be an integer >= ${min}, got "${text}"`);
  return n;
}

/** Reads the command line; a bad option is a {@link CliError} naming it and what was expected. */
export function parseConformanceArgs(argv: readonly string[]): ConformanceArgs {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; args: string[] }>>["values"];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new CliError(`[eddy] conformance: ${error instanceof Error ? error.message : String(error)}\n  expected: ${CONFORMANCE_USAGE}`);
  }
  if (values.url !== undefined) {
    const local = (["runtime", "task-managers", "components", "kafka", "concurrency"] as const).filter((o) => values[o] !== undefined);
    if (local.length > 0) throw new CliError(`[eddy] --url runs the HTTP-level scenarios against a deployment: --${local.join(", --")} would choose runtimes here; drop ${local.length > 1 ? "them" : "it"} or drop --url`);
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw new CliError(`[eddy] --url must be an http:// or https:// URL, got "${values.url}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`[eddy] --url must be an http:// or https:// URL, got "${values.url}"`);
    // An empty EDDY_TOKEN means none.
    const token = (values.token ?? process.env.EDDY_TOKEN) || undefined;
    return { runtimes: [], taskManagers: 0, concurrency: 1, json: values.json ?? false, url: values.url.replace(/\/+$/, ""), ...(token !== undefined ? { token } : {}), ...(values.filter !== undefined ? { filter: values.filter } : {}) };
  }
  if (values.token !== undefined) throw new CliError("[eddy] --token goes with --url (the deployment it is for)");
  const asked = (values.runtime ?? "all").split(",").map((r) => r.trim()).filter((r) => r !== "");
  const runtimes = asked.includes("all") ? RUNTIMES : asked;
  const unknown = runtimes.filter((r) => !RUNTIMES.includes(r as RuntimeName));
  if (unknown.length > 0 || runtimes.length === 0) throw new CliError(`[eddy] --runtime must be node, deno, bun, workerd or all (or a comma-separated list of them), got "${values.runtime}"`);
  const kafka = values.kafka?.split(",").map((b) => b.trim()).filter((b) => b !== "");
  return {
    runtimes: runtimes as RuntimeName[],
    taskManagers: count("task-managers", values["task-managers"], 0, 0),
    ...(values.filter !== undefined ? { filter: values.filter } : {}),
    ...(values.components !== undefined ? { componentsDir: values.components } : {}),
    ...(kafka !== undefined && kafka.length > 0 ? { kafka } : {}),
    concurrency: count("concurrency", values.concurrency, availableParallelism(), 1),
    json: values.json ?? false,
  };
}

/** `eddy conformance ...`: prints the matrix; the exit code is 1 when a cell failed. */
export async function conformanceCommand(argv: readonly string[]): Promise<void> {
  const args = parseConformanceArgs(argv);
  // Progress goes to stderr, so that --json leaves stdout to the JSON alone.
  const progress = (message: string): void => console.error(`  ${message}`);
  const matrix =
    args.url !== undefined
      ? await runHttpMatrix({ url: args.url, ...(args.token !== undefined ? { token: args.token } : {}), ...(args.filter !== undefined ? { filter: args.filter } : {}), progress })
      : await runMatrix({ ...args, cwd: process.cwd(), progress, durableObjects: async (componentsDir) => (await import("./conformance-edge.ts")).durableObjectSuite(componentsDir) });
  console.log(args.json ? JSON.stringify(matrix, null, 2) : matrixText(matrix));
  if (matrix.failed > 0) process.exitCode = 1;
}
