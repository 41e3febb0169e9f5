/**
 * package.json's `exports` and the files agree (Hono's habit): every subpath Eddy promises
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

/** One package, `eddy`, with these subpath exports. */
const PROMISED = [".", "./kafka", "./wasm", "./server", "./node", "./deno", "./bun", "./workerd", "./conformance"];

describe("package exports", () => {
  it("exports every subpath Eddy documents, and no other", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([...PROMISED].sort());
  });

  it("deno.json maps the same subpaths to the same files", () => {
    const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { imports: Record<string, string> };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      expect(deno.imports[subpath === "." ? "eddy" : `eddy/${subpath.slice(2)}`], subpath).toBe(target);
    }
  });

  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = join(root, target);
    it(`${subpath} -> ${target} exists and opens with an @module line`, () => {
      expect(existsSync(file), `${target} is missing`).toBe(true);
      expect(target.endsWith(".ts")).toBe(true);
      const firstLine = readFileSync(file, "utf8").split("\n", 1)[0]!;
      expect(firstLine).toMatch(/^\/\*\*.*@module /);
    });
  }

  for (const [name, target] of Object.entries(pkg.bin ?? {})) {
    it(`bin ${name} -> ${target} exists`, () => {
      expect(existsSync(join(root, target))).toBe(true);
    });
  }
});
