/**
 * Request bodies (size limits are Hono's body-limit middleware, in app.ts): parse JSON no deeper
 * than a limit, refuse prototype keys anywhere, validate with a zod schema and report every bad
 * field by path (`operators[2].size: expected ...`).
 */
import type { Context } from "hono";
import type { z } from "zod";
import { type FieldError, HttpError } from "./errors.ts";
import { FORBIDDEN_KEYS } from "./job-spec.ts";

/** Renders a zod path as `sources[0].fields.user` (`properties["retry.backoff.ms"]` for keys with dots). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && !/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(p)) out += `[${JSON.stringify(p)}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(body)" : out;
}

/** Every issue of a failed parse as a path and a message. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: "unknown field" });
      continue;
    }
    if (issue.code === "invalid_type" && message.startsWith("Invalid input")) message = `expected ${issue.expected}`;
    out.push({ path: formatPath(issue.path), message });
  }
  return out;
}

/** Paths of `__proto__`, `constructor` or `prototype` keys anywhere in a parsed JSON value. */
export function forbiddenKeyPaths(value: unknown, path: PropertyKey[] = [], out: FieldError[] = []): FieldError[] {
  if (Array.isArray(value)) value.forEach((v, i) => forbiddenKeyPaths(v, [...path, i], out));
  else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) out.push({ path: formatPath([...path, key]), message: "keys __proto__, constructor and prototype are not allowed" });
      else forbiddenKeyPaths((value as Record<string, unknown>)[key], [...path, key], out);
    }
  }
  return out;
}

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects more than `max` levels deep. A single pass over the
 * characters, with no recursion: parsers and validators that descend recursively overflow the
 * stack on bodies nested a few thousand levels deep, and the depth differs between runtimes.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character, quotes included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Reads and validates a JSON body. An empty body counts as `{}` when `emptyAsObject` (Flink's
 * POST endpoints take optional bodies).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, what: string, emptyAsObject = false): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown;
  if (text.trim() === "" && emptyAsObject) value = {};
  else {
    if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
      throw new HttpError(400, `[eddy] invalid ${what}: the body is too deeply nested (at most ${MAX_JSON_DEPTH} levels of arrays and objects)`);
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `[eddy] invalid ${what}: the body is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const forbidden = forbiddenKeyPaths(value);
  if (forbidden.length > 0) throw new HttpError(400, `[eddy] invalid ${what}`, forbidden);
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, `[eddy] invalid ${what}`, fieldErrors(result.error));
  return result.data;
}
