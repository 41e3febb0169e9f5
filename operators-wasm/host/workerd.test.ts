import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { StreamExecutionEnvironment } from "../../core/index.ts";
import { bundleComponent } from "../build/bundle-component.ts";
import { decodeBatchStrings, encodeBatch } from "./batch-codec.ts";
import { sampleLines } from "./engine-jobs.ts";
import { guest, keepNonComment, sampleRecords, splitWords, upperAscii } from "./test-support.ts";

const workerdBin = fileURLToPath(new URL("../../node_modules/.bin/workerd", import.meta.url));
const here = (file: string) => JSON.stringify(fileURLToPath(new URL(file, import.meta.url)));

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

const procs: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of procs) p.kill();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * Bundles the example guests at "deploy time" into a temp dir, bundles `worker` (TypeScript
 * source that may import `./<name>.bundle.js` for each guest) with esbuild, serves it with
 * workerd on a free port, and returns a function that POSTs a body and returns the response.
 */
async function serveWorker(guests: Record<string, string>, worker: string): Promise<(body: BodyInit) => Promise<Response>> {
  const dir = await mkdtemp(join(tmpdir(), "eddy-workerd-"));
  dirs.push(dir);
  const wasmModules: string[] = [];
  for (const [name, path] of Object.entries(guests)) {
    const bundle = await bundleComponent((await guest(path)).component, { name, outDir: dir });
    wasmModules.push(...[...bundle.files.keys()].filter((f) => f.endsWith(".wasm")));
  }
  await writeFile(join(dir, "worker.ts"), worker);
  await build({ entryPoints: [join(dir, "worker.ts")], bundle: true, format: "esm", platform: "neutral", outfile: join(dir, "worker.js"), logLevel: "error",
    // the glue's file-loading fallback (unused: we pass getCoreModule) names node:fs
    external: ["*.wasm", "node:*"] });
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
  const proc = spawn(workerdBin, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  procs.push(proc);
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  return async (body) => {
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) break;
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body }).catch(() => undefined);
      if (res) {
        if (res.status !== 200) throw new Error(`workerd answered ${res.status}: ${await res.text()}\n${log}`);
        return res;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`workerd did not answer: ${log}`);
  };
}

describe("workerd runs components bundled at deploy time", () => {
  it("uppercase map called directly through workerd matches TypeScript", { timeout: 60_000 }, async () => {
    const post = await serveWorker({ upper: "guests/uppercase-map/guest.as.ts" }, [
      `import { compiled } from "./upper.bundle.js";`,
      `import { instantiateComponent } from ${here("./instance.ts")};`,
      `let op: Awaited<ReturnType<typeof instantiateComponent>> | undefined;`,
      `export default {`,
      `  async fetch(req: Request): Promise<Response> {`,
      `    op ??= await instantiateComponent(compiled);`,
      `    return new Response(op.processBatch(new Uint8Array(await req.arrayBuffer())));`,
      `  },`,
      `};`,
    ].join("\n"));
    const records = sampleRecords(200);
    const body = new Uint8Array(await (await post(encodeBatch(records) as Uint8Array<ArrayBuffer>)).arrayBuffer());
    expect(decodeBatchStrings(body)).toEqual(records.map((r) => ({ ...r, value: upperAscii(r.value) })));
  });

  it("an Eddy job with component operators runs inside workerd and matches the TypeScript job", { timeout: 60_000 }, async () => {
    // core and wasm-function.ts only: no jco, nothing compiled at run time
    const post = await serveWorker({
      upper: "guests/uppercase-map/guest.as.ts",
      "no-comments": "guests/filter-comments/guest.as.ts",
      split: "guests/split-words/guest.as.ts",
    }, [
      `import { StreamExecutionEnvironment } from ${here("../../core/index.ts")};`,
      `import { WasmFunction } from ${here("./wasm-function.ts")};`,
      `import { compiled as upper } from "./upper.bundle.js";`,
      `import { compiled as noComments } from "./no-comments.bundle.js";`,
      `import { compiled as split } from "./split.bundle.js";`,
      `export default {`,
      `  async fetch(req: Request): Promise<Response> {`,
      `    const lines: string[] = await req.json();`,
      `    const env = () => StreamExecutionEnvironment.create({ parallelism: 1 });`,
      `    const map = await env().fromCollection(lines).map<string>(new WasmFunction(upper)).executeAndCollect();`,
      `    const chain = await StreamExecutionEnvironment.create({ parallelism: 2 }).fromCollection(lines)`,
      `      .filter(new WasmFunction(noComments)).map<string>(new WasmFunction(upper)).flatMap<string>(new WasmFunction(split))`,
      `      .executeAndCollect();`,
      `    return Response.json({ map, chain });`,
      `  },`,
      `};`,
    ].join("\n"));
    const lines = sampleLines(3000);
    const got = (await (await post(JSON.stringify(lines))).json()) as { map: string[]; chain: string[] };
    const src = (parallelism: number) => StreamExecutionEnvironment.create({ parallelism }).fromCollection(lines);
    expect(got.map).toEqual(await src(1).map(upperAscii).executeAndCollect());
    const chain = await src(2).filter(keepNonComment).map(upperAscii).flatMap((s: string) => splitWords(s)).executeAndCollect();
    expect(chain.length).toBeGreaterThan(1000);
    expect(got.chain.sort()).toEqual(chain.sort());
  });
});
