/// <reference types="vite/client" />
/**
 * core/ must run unchanged on Node, Deno, Bun and workerd, so it may name no runtime's API.
 * Test files are held to the same rule (they may import vitest and nothing runtime-specific):
 * this file reads core's sources through Vite's import.meta.glob rather than node:fs for that reason.
 * Comments are ignored, so prose may mention runtimes by name.
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob(["./**/*.{ts,mts,js,mjs}", "!./**/node_modules/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const THIS_FILE = "./purity.test.ts";

/** Code, with comments removed and string literals replaced by `"<index into strings>"`. */
function split(source: string): { code: string; strings: string[] } {
  let code = "";
  const strings: string[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end === -1 ? source.length : end;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? source.length : end + 2;
      code += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let text = "";
      while (j < source.length && source[j] !== c) {
        if (source[j] === "\\") {
          text += source.slice(j, j + 2);
          j += 2;
          continue;
        }
        // Template substitutions are code; keep them (simple, unnested) in the code stream.
        if (c === "`" && source[j] === "$" && source[j + 1] === "{") {
          const end = source.indexOf("}", j);
          code += ` ${source.slice(j + 2, end === -1 ? source.length : end)} `;
          j = end === -1 ? source.length : end + 1;
          continue;
        }
        text += source[j];
        j++;
      }
      strings.push(text);
      // A placeholder that remembers which literal stood here, to find module specifiers.
      code += `"${strings.length - 1}"`;
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

const FORBIDDEN_CODE: readonly [RegExp, string][] = [
  [/(?<![.\w$])(?:process|Deno|Bun)\s*(?:\?\.|\.|\[)/, "a runtime global (process / Deno / Bun)"],
  // Not `typeof process`: parameters are called process (stream.process(fn)); core's own type
  // check, which declares no `process`, catches the global.
  [/\btypeof\s+(?:Deno|Bun|Buffer)\b/, "runtime detection"],
  [/globalThis\s*(?:\?\.|\.)\s*(?:process|Deno|Bun|Buffer)\b/, "a runtime global through globalThis"],
  [/(?<![.\w$])Buffer\b/, "Node's Buffer (use Uint8Array)"],
  [/(?<![.\w$])require\s*\(/, "require()"],
  [/\b__(?:dirname|filename)\b/, "__dirname / __filename"],
  [/\bimport\.meta\.(?:dirname|filename|main)\b/, "a runtime-specific import.meta property"],
];

const FORBIDDEN_SPECIFIER = /^(?:node|bun|cloudflare|deno|npm|jsr):|^(?:fs|path|os|crypto|child_process|worker_threads|net|http|https|stream|buffer|events|util|url)(?:\/|$)/;

/** The rule each line breaks, if any. */
function violations(path: string, source: string): string[] {
  const found: string[] = [];
  const { code, strings } = split(source);
  for (const [pattern, what] of FORBIDDEN_CODE) {
    const match = pattern.exec(code);
    if (match) found.push(`${path}: ${what}: \`${match[0]}\``);
  }
  for (const match of code.matchAll(/\b(?:from|import)\s*\(?\s*"(\d+)"/g)) {
    const specifier = strings[Number(match[1])]!;
    if (FORBIDDEN_SPECIFIER.test(specifier)) found.push(`${path}: runtime module "${specifier}"`);
  }
  return found;
}

/** Relative imports that climb out of core/ (into adapters, server, conformance...). */
function importsOutsideCore(path: string, source: string): string[] {
  const { code, strings } = split(source);
  const found: string[] = [];
  for (const match of code.matchAll(/\b(?:from|import)\s*\(?\s*"(\d+)"/g)) {
    const specifier = strings[Number(match[1])]!;
    if (!specifier.startsWith(".")) continue;
    // Paths here are relative to core/ ("./api/x.ts"); walk the specifier's segments from the file's folder.
    const parts = path.split("/").slice(1, -1);
    for (const segment of specifier.split("/")) {
      if (segment === "..") {
        if (parts.length === 0) {
          found.push(`${path}: imports "${specifier}" from outside core/`);
          break;
        }
        parts.pop();
      } else if (segment !== ".") parts.push(segment);
    }
  }
  return found;
}

describe("core purity", () => {
  it("finds core's sources", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(3);
  });

  it("names no runtime API in core/ (node:, require, process, Deno, Bun, cloudflare:, Buffer, __dirname)", () => {
    const found = Object.entries(sources)
      .filter(([path]) => path !== THIS_FILE)
      .flatMap(([path, source]) => violations(path, source));
    expect(found).toEqual([]);
  });

  it("imports nothing from outside core/ (adapters, server, conformance import core, never the reverse)", () => {
    const found = Object.entries(sources).flatMap(([path, source]) => importsOutsideCore(path, source));
    expect(found).toEqual([]);
    expect(importsOutsideCore("./api/x.ts", `import { a } from "../../adapters/node/index.ts";`)).not.toEqual([]);
    expect(importsOutsideCore("./api/x.ts", `import { a } from "../time/types.ts";`)).toEqual([]);
  });

  it("catches what it is meant to catch", () => {
    const bad = [
      `import { readFile } from "node:fs/promises";`,
      `const x = require("fs");`,
      `const env = process.env.X;`,
      `if (typeof Deno !== "undefined") {}`,
      `Bun.serve({});`,
      `import { DurableObject } from "cloudflare:workers";`,
      `const fs = await import("node:fs");`,
      `export * from "bun:sqlite";`,
      `import "path";`,
      `const b: Buffer = x;`,
      "const dir = __dirname;",
      "globalThis.process?.exit(1);",
    ];
    for (const line of bad) expect(violations("x.ts", line), line).not.toEqual([]);
    const fine = [
      "const id = `node:${n.id}`;",
      `const label = "cloudflare: workerd";`,
      `// runs on Node, Deno, Bun; see process.env in adapters`,
      `/* Buffer */ const bytes = new Uint8Array(4);`,
      `stream.process((key, ctx, elements, out) => out.collect(key));`,
      `class S { process(fn: unknown) { return fn; } }`,
      `throw new Error("[eddy] the task could not process. the record");`,
      "const s = `${a.process(1)}`;",
      `const recordBuffer = [];`,
      `function f(process: unknown) { return typeof process === "function"; }`,
    ];
    for (const line of fine) expect(violations("x.ts", line), line).toEqual([]);
  });
});
