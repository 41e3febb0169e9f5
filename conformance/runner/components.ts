/**
 * The example components the WebAssembly scenarios run (one per world, from
 * operators-wasm/guests): prebuilt beside the suite in the npm package, or built here from their
 * AssemblyScript sources and cached by the hash of everything that goes into them.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importLazily } from "../runtime.ts";
import { GUESTS } from "../wasm-guests.ts";
import type { Found } from "./runtimes.ts";

const names: readonly string[] = Object.values(GUESTS);

const hasAll = (dir: string): boolean => names.every((g) => existsSync(path.join(dir, `${g}.wasm`)));

async function inputsHash(root: string): Promise<string> {
  const hash = createHash("sha256");
  const sdk = path.join(root, "operators-wasm", "sdk", "assemblyscript");
  const files = [
    ...names.map((g) => path.join(root, "operators-wasm", "guests", g, "guest.as.ts")),
    ...(await readdir(sdk)).sort().map((f) => path.join(sdk, f)),
    path.join(root, "operators-wasm", "build", "build-guest.ts"),
    path.join(root, "operators-wasm", "wit", "operator.wit"),
  ];
  for (const f of files) hash.update(await readFile(f));
  return hash.digest("hex").slice(0, 16);
}

/**
 * A directory holding `<guest>.wasm` for every example guest, or why there is none. `progress`
 * hears when a build starts (it takes a minute the first time).
 */
export async function exampleComponents(progress: (message: string) => void = () => {}): Promise<Found<string>> {
  const prebuilt = fileURLToPath(new URL("../components/", import.meta.url));
  if (hasAll(prebuilt)) return { found: prebuilt };
  const root = fileURLToPath(new URL("../../", import.meta.url));
  if (!existsSync(path.join(root, "operators-wasm", "guests", GUESTS.map, "guest.as.ts"))) {
    return { missing: "this installation has no example components (they are built from operators-wasm/guests in Eddy's repository); pass --components DIR" };
  }
  const cache = path.join(root, "node_modules", ".cache", "eddy-conformance", await inputsHash(root));
  if (hasAll(cache)) return { found: cache };
  progress(`building the example components with AssemblyScript into ${cache} (once)`);
  let build: (options: { source: string }) => Promise<{ component: Uint8Array }>;
  try {
    build = (await importLazily<{ buildGuest: typeof build }>("../operators-wasm/build/build-guest")).buildGuest;
  } catch (error) {
    return { missing: `the example components cannot be built here: ${error instanceof Error ? error.message : String(error)}` };
  }
  await mkdir(cache, { recursive: true });
  for (const guest of names) {
    const { component } = await build({ source: path.join(root, "operators-wasm", "guests", guest, "guest.as.ts") });
    // Written whole, then renamed: a concurrent run never reads half a component.
    const file = path.join(cache, `${guest}.wasm`);
    await writeFile(`${file}.tmp`, component);
    await rename(`${file}.tmp`, file);
  }
  return { found: cache };
}
