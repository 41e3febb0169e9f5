/**
 * Which runtime runs this code, told from the globals each one has; and sibling modules that
 * only some runtimes can load, imported so that bundlers for workerd leave them out.
 */
import type { RuntimeName } from "./scenario.ts";

/** The runtime running this isolate. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; navigator?: { userAgent?: string } };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
  return "node";
}

/**
 * Imports the module at `path` (relative to this folder, without extension) with a computed
 * specifier: bundlers for workerd do not follow it (what it imports, such as node:fs or jco,
 * cannot run there), and its extension is this module's own (.ts in the sources, .js in the npm
 * package's build).
 */
export function importLazily<T>(path: string): Promise<T> {
  const extension = import.meta.url.slice(import.meta.url.lastIndexOf("."));
  return import(/* @vite-ignore */ new URL(`${path}${extension}`, import.meta.url).href) as Promise<T>;
}
