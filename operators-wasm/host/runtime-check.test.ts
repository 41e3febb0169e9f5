/**
 * The WASM host's checks (runtime-check.ts) on Deno and Bun, in each runtime's own WebAssembly
 * engine: guests built from source and run directly and through the engine, and the error
 * cases. Node runs the same checks as vitest suites (host.test.ts, engine.test.ts).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const script = fileURLToPath(new URL("./runtime-check.ts", import.meta.url));

function runCheck(runtime: "deno" | "bun"): Promise<{ code: number | null; output: string }> {
  const bin = `${root}node_modules/.bin/${runtime}`;
  const args = runtime === "deno" ? ["run", "-A", "--no-check", script] : ["run", script];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout.on("data", (d: Uint8Array) => (output += String(d)));
    child.stderr.on("data", (d: Uint8Array) => (output += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("the WASM host on Deno and Bun", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`runtime-check.ts passes on ${runtime}, regression checks included`, { timeout: 240_000 }, async () => {
      const { code, output } = await runCheck(runtime);
      expect(output.split("\n").filter((l) => l.startsWith("FAIL")), output).toEqual([]);
      for (const check of ["regression #13.7", "regression #13.8", "engine: a trap fails the job"]) expect(output).toMatch(new RegExp(`^PASS ${check}`, "m"));
      expect(output).toMatch(new RegExp(`^OK on ${runtime} `, "m"));
      expect(code).toBe(0);
    });
  }
});
