/**
 * The manifests and the files agree (Hono's habit): package.json exports every subpath Eddy
 * promises as the build of one source module (types and JavaScript from dist/), deno.json
 * exports the same sources for JSR, the build compiles exactly those, the versions match, and
 * every package the code imports is declared. Reads only the sources: no build needed.
 * scripts/package.test.ts checks the built, packed and installed package itself.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EDDY_VERSION } from "../server/index.ts";
import { importedPackages } from "./imported-packages.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const json = (file: string): any => JSON.parse(readFileSync(join(root, file), "utf8").replace(/^\s*\/\/.*$/gm, ""));
const pkg = json("package.json") as {
  name: string;
  version: string;
  exports: Record<string, Record<string, string>>;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const deno = json("deno.json") as { version: string; exports: Record<string, string> };
const build = json("tsconfig.build.json") as { compilerOptions: { outDir: string }; files: string[] };

/** One package, `eddy`, with these subpath exports. */
const PROMISED = [".", "./kafka", "./wasm", "./server", "./node", "./deno", "./bun", "./workerd", "./conformance"];

/** `./dist/core/index.js` (or `.d.ts`) -> `core/index.ts`, the module it is built from. */
const sourceOf = (target: string): string => target.replace(/^\.\/dist\//, "").replace(/(\.d\.ts|\.js)$/, ".ts");

describe("package exports", () => {
  it("exports every subpath Eddy documents, and no other", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([...PROMISED].sort());
  });

  for (const [subpath, conditions] of Object.entries(pkg.exports)) {
    const source = sourceOf(conditions.import ?? "");
    it(`${subpath}: types and JavaScript built from ${source}, which opens with an @module line`, () => {
      expect(conditions).toEqual({ types: `./dist/${source.replace(/\.ts$/, ".d.ts")}`, import: `./dist/${source.replace(/\.ts$/, ".js")}` });
      expect(existsSync(join(root, source)), `${source} is missing`).toBe(true);
      expect(readFileSync(join(root, source), "utf8").split("\n", 1)[0]).toMatch(/^\/\*\*.*@module /);
    });
  }

  it("the bin is the built CLI, which Node runs directly", () => {
    const source = sourceOf(pkg.bin.eddy!);
    expect(pkg.bin).toEqual({ eddy: `./dist/${source.replace(/\.ts$/, ".js")}` });
    expect(readFileSync(join(root, source), "utf8").split("\n", 1)[0]).toBe("#!/usr/bin/env node");
  });

  it("deno.json exports the same subpaths from the same sources for JSR, and the CLI", () => {
    const expected = Object.fromEntries(Object.entries(pkg.exports).map(([subpath, c]) => [subpath, `./${sourceOf(c.import!)}`]));
    expect(deno.exports).toEqual({ ...expected, "./cli": `./${sourceOf(pkg.bin.eddy!)}` });
  });

  it("the build compiles the exported modules, the CLI and the modules started by URL into dist/, which the package ships", () => {
    // Nothing imports these: worker TaskManagers load their entry by URL, `eddy conformance`
    // runs the suite's scripts in a child process of each runtime, and the Worker `eddy bundle`
    // writes imports the edge's Kafka runtime by its path.
    const startedByUrl = ["adapters/node/task-manager-worker.ts", "adapters/deno/task-manager-worker.ts", "conformance/run.ts", "conformance/portability-run.ts", "adapters/workerd/edge-kafka.ts"];
    expect([...build.files].sort()).toEqual([...Object.values(deno.exports).map((s) => s.slice(2)), ...startedByUrl].sort());
    expect(build.compilerOptions.outDir).toBe("dist");
    expect(pkg.files).toContain("dist");
  });

  it("package.json, deno.json and the API report one version", () => {
    expect(deno.version).toBe(pkg.version);
    expect(EDDY_VERSION).toBe(pkg.version);
  });

  it("declares every package the repository's code imports", () => {
    // AssemblyScript guests and SDK import AssemblyScript's own modules.
    const skipped = new Set(["node_modules", ".cache", "dist", ".git", "operators-wasm/sdk"]);
    const code: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const file = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory() && !skipped.has(file)) walk(file);
        else if (entry.isFile() && /\.(ts|mjs)$/.test(file) && !file.endsWith(".as.ts")) code.push(file);
      }
    };
    walk("");
    // The package's own name: code a consumer writes, in the package test.
    const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const file of code) {
      for (const name of importedPackages(readFileSync(join(root, file), "utf8"))) {
        if (!declared.has(name) && !builtins.has(name)) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
