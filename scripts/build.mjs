#!/usr/bin/env node
/**
 * `npm run build` (run by `npm pack` and `npm publish` through `prepack`): compiles the sources
 * into dist/ with tsc (tsconfig.build.json), JavaScript and declarations side by side, so the npm
 * package runs on plain Node >= 20 with no loader. dist/ is emptied first: a renamed source must
 * not leave its old build in the package. Development and tests never need this: they run the
 * TypeScript sources.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
process.exit(tsc.status ?? 1);
