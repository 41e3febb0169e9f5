/**
 * Command-line options through `node:util`'s `parseArgs` (on Node, Deno and Bun alike), with
 * its errors (an unknown option, a missing value) reworded as Eddy's: naming what was wrong and
 * the command's usage.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

/** Options as node:util parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** What {@link commandArgs} returns: the options' values by name, and the positional arguments. */
export type CommandArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** `--name value`, `--name=value` and `--flag` options of a command, and its positional arguments. */
export function commandArgs<O extends Options>(argv: readonly string[], options: O, usage: string): CommandArgs<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs's own messages name the option; drop its advice about "--" and add the usage.
    const message = error instanceof Error ? error.message.split(/\. To specify a positional/)[0]!.replace(/\.$/, "") : String(error);
    throw new Error(`[eddy] ${message}\n  usage: ${usage}`);
  }
}

/** The options every client command takes. */
export const CLIENT_OPTIONS = { url: { type: "string" }, token: { type: "string" } } as const;
