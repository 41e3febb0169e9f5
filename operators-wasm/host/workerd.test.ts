import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundleComponent } from "../build/bundle-component.ts";
import { decodeBatchStrings, encodeBatch } from "./batch-codec.ts";
import { guest, sampleRecords, upperAscii } from "./test-support.ts";

const workerdBin = fileURLToPath(new URL("../../node_modules/.bin/workerd", import.meta.url));
const instanceTs = fileURLToPath(new URL("./instance.ts", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

let proc: ChildProcess | undefined;
let dir: string | undefined;
afterAll(async () => {
  proc?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("workerd runs a component bundled at deploy time", () => {
  it("uppercase map through workerd matches TypeScript", { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "eddy-workerd-"));
    const bundle = await bundleComponent((await guest("guests/uppercase-map/guest.as.ts")).component, {
      name: "upper", expectWorld: "map-operator", outDir: dir,
    });
    await writeFile(join(dir, "worker.ts"), [
      `import { compiled } from "./${bundle.entry}";`,
      `import { instantiateComponent } from ${JSON.stringify(instanceTs)};`,
      `let op: Awaited<ReturnType<typeof instantiateComponent>> | undefined;`,
      `export default {`,
      `  async fetch(req: Request): Promise<Response> {`,
      `    op ??= await instantiateComponent(compiled);`,
      `    try {`,
      `      return new Response(op.processBatch(new Uint8Array(await req.arrayBuffer())));`,
      `    } catch (e) {`,
      `      return new Response(String(e), { status: 500 });`,
      `    }`,
      `  },`,
      `};`,
    ].join("\n"));
    await build({ entryPoints: [join(dir, "worker.ts")], bundle: true, format: "esm", platform: "neutral", outfile: join(dir, "worker.js"), logLevel: "error",
      // the glue's file-loading fallback (unused: we pass getCoreModule) names node:fs
      external: ["*.wasm", "node:*"] });
    const wasmModules = [...bundle.files.keys()].filter((f) => f.endsWith(".wasm"));
    const port = await freePort();
    await writeFile(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
${wasmModules.map((f) => `    (name = "${f}", wasm = embed "${f}"),`).join("\n")}
  ],
  compatibilityDate = "2025-01-01",
);
`);
    let log = "";
    proc = spawn(workerdBin, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout!.on("data", (d) => (log += d));
    proc.stderr!.on("data", (d) => (log += d));
    const records = sampleRecords(200);
    let res: Response | undefined;
    for (let i = 0; i < 100 && !res; i++) {
      res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: encodeBatch(records) as Uint8Array<ArrayBuffer> }).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(res, `workerd did not answer: ${log}`).toBeDefined();
    const body = new Uint8Array(await res!.arrayBuffer());
    expect(res!.status, new TextDecoder().decode(body) + log).toBe(200);
    expect(decodeBatchStrings(body)).toEqual(records.map((r) => ({ ...r, value: upperAscii(r.value) })));
  });
});
