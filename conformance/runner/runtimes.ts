/**
 * Finding the runtimes on this machine: Node (this process, or on PATH), and Deno, Bun and workerd
 * in a node_modules/.bin above the package or the working directory, or on PATH; and how each
 * starts one of the conformance suite's scripts.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { detectRuntime } from "../runtime.ts";
import type { RuntimeName } from "../scenario.ts";

/** How to run a script of the suite on one runtime. */
export interface RuntimeCommand {
  readonly runtime: Exclude<RuntimeName, "workerd">;
  readonly command: string;
  /** Arguments before the script. */
  readonly args: readonly string[];
}

/** A runtime found, or why not. */
export type Found<T> = { readonly found: T } | { readonly missing: string };

/** This module's extension: .ts in the sources, .js in the npm package's build. */
const EXTENSION = import.meta.url.slice(import.meta.url.lastIndexOf("."));

/** The path of the suite's script `name` (`run`, `portability-run`), beside this folder. */
export function suiteScript(name: string): string {
  return fileURLToPath(new URL(`../${name}${EXTENSION}`, import.meta.url));
}

/** The path of a module of the package, given relative to the conformance folder without extension. */
export function packageModule(relative: string): string {
  return fileURLToPath(new URL(`../${relative}${EXTENSION}`, import.meta.url));
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

/** `relative` under a node_modules above this package or the working directory, if there is one. */
export function findInNodeModules(relative: string): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [...ancestors(here), ...ancestors(process.cwd())]) {
    const candidate = path.join(dir, "node_modules", relative);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The executable of a runtime: node_modules/.bin first (the versions a project pins), then PATH. */
export function findExecutable(name: string): string | undefined {
  return findInNodeModules(path.join(".bin", name)) ?? onPath(name);
}

/** How to run the suite's scripts on `runtime`. */
export function findRuntime(runtime: Exclude<RuntimeName, "workerd">): Found<RuntimeCommand> {
  if (runtime === "node") {
    const command = detectRuntime() === "node" ? process.execPath : onPath("node");
    if (command === undefined) return { missing: "node is not on PATH" };
    if (EXTENSION !== ".ts") return { found: { runtime, command, args: [] } };
    // Eddy's TypeScript sources run on Node through tsx, as in development.
    const tsx = findInNodeModules(path.join("tsx", "dist", "loader.mjs"));
    if (tsx === undefined) return { missing: "Eddy's TypeScript sources need tsx to run on Node (npm install -D tsx)" };
    return { found: { runtime, command, args: ["--import", pathToFileURL(tsx).href] } };
  }
  const command = findExecutable(runtime);
  if (command === undefined) return { missing: `${runtime} is not installed (not in node_modules/.bin nor on PATH)` };
  return { found: { runtime, command, args: runtime === "deno" ? ["run", "-A", "--no-check"] : ["run"] } };
}
