/**
 * The CLI's client commands as a user runs them: `node bin/cli.ts <command>` in a child process
 * against `eddy serve` on Node, with the token in EDDY_TOKEN.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFileSystem } from "../adapters/node/fs.ts";
import { readCommittedLines } from "../core/index.ts";
import { type ServerUnderTest, TEST_TOKEN, callApi, eventually, serveOnNode } from "../server/testing/fixtures.ts";
import { runCli } from "./testing/run-cli.ts";

/** Runs `eddy <args>` to its end, with `env` over the test's environment. */
const eddy = (args: readonly string[], env: Record<string, string>) => runCli(args, env);

describe("eddy client commands", () => {
  let server: ServerUnderTest;
  const env = (): Record<string, string> => ({ EDDY_URL: server.url, EDDY_TOKEN: TEST_TOKEN });
  const api = (method: string, route: string, body?: unknown): Promise<any> => callApi(server, method, route, body);
  const state = (jobid: string, wanted: string) => eventually(`job ${jobid} ${wanted}`, async () => ((await api("GET", `/jobs/${jobid}`)).state === wanted ? true : undefined));

  beforeAll(async () => {
    server = await serveOnNode();
  });
  afterAll(async () => {
    await server?.close();
  });

  describe("regression #14.4: options are read by node:util parseArgs", () => {
    it("takes --name=value and --name value, and refuses an unknown option or a missing value naming it and the usage", async () => {
      const listed = await eddy(["list", `--url=${server.url}`, "--token", TEST_TOKEN], { EDDY_URL: "http://127.0.0.1:9", EDDY_TOKEN: "" });
      expect(listed.stderr).toBe("");
      expect(listed.code).toBe(0);
      const typo = await eddy(["list", "--tokn", TEST_TOKEN], env());
      expect(typo.code).toBe(1);
      expect(typo.stderr).toContain("[eddy] Unknown option '--tokn'");
      expect(typo.stderr).toContain("usage: eddy list [--url URL] [--token T]");
      const missing = await eddy(["cancel", "--token"], env());
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/\[eddy\] Option '--token <value>' argument missing/);
      const serve = await eddy(["serve", "--port", "0", "--slot", "2"], env());
      expect(serve.code).toBe(1);
      expect(serve.stderr).toContain("[eddy] Unknown option '--slot'");
    });
  });

  describe("regression #13.10: the token goes with reads too", () => {
    it("lists jobs with the token, and explains a missing or wrong one", async () => {
      const { jobid } = await api("POST", "/jobs", { name: "listed", sources: [{ type: "collection", records: [{ a: 1 }] }], sinks: [{ type: "collect" }] });
      await state(jobid, "FINISHED");
      const listed = await eddy(["list"], env());
      expect(listed.stderr).toBe("");
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^${jobid}\\s+listed\\s+FINISHED`, "m"));

      const none = await eddy(["list"], { EDDY_URL: server.url, EDDY_TOKEN: "" });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain("GET /jobs/overview failed with 401");
      expect(none.stderr).toContain("(pass --token or set EDDY_TOKEN)");
      const wrong = await eddy(["list", "--token", "not-the-token"], env());
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("GET /jobs/overview failed with 403");
      expect(wrong.stderr).toContain("the token is not this server's");
    });
  });

  describe("regression #13.12: eddy cancel of a job that has ended", () => {
    it("cancels a running job, then prints the server's 409 naming the state and exits 1", async () => {
      const { jobid } = await api("POST", "/jobs", {
        name: "slow",
        sources: [{ type: "generator", shape: "page-views", ratePerSecond: 100 }],
        sinks: [{ type: "collect" }],
      });
      await state(jobid, "RUNNING");
      const first = await eddy(["cancel", jobid], env());
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/CANCELED/);

      const again = await eddy(["cancel", jobid], env());
      expect(again.code).toBe(1);
      expect(again.stdout).toBe("");
      expect(again.stderr).toContain(`PATCH /jobs/${jobid}?mode=cancel failed with 409`);
      expect(again.stderr).toContain(`job "${jobid}" is CANCELED`);
    });

    it("refuses to cancel a FINISHED job", async () => {
      const { jobid } = await api("POST", "/jobs", { name: "bounded", sources: [{ type: "collection", records: [{ a: 1 }] }], sinks: [{ type: "collect" }] });
      await state(jobid, "FINISHED");
      const r = await eddy(["cancel", jobid], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`job "${jobid}" is FINISHED: only a job that has not ended can be cancelled`);
    });
  });

  describe("regression #13.2: eddy submit --from-job starts a spec from a job's latest retained checkpoint", () => {
    it("continues a cancelled job's file output exactly once", async () => {
      const numbers = 4_000;
      const spec = {
        name: "from job numbers",
        parallelism: 2,
        sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, count: numbers, ratePerSecond: 2_000 }],
        operators: [{ type: "project", select: ["n"] }],
        sinks: [{ type: "file", path: "from-job" }],
        checkpointing: { interval: 150 },
      };
      const dataDir = server.dataDir!;
      const specFile = path.join(dataDir, "numbers.json");
      await writeFile(specFile, JSON.stringify(spec));
      const output = new NodeFileSystem(path.join(dataDir, "output"));
      const first = (await api("POST", "/jobs", spec)).jobid as string;
      await eventually("two checkpoints", async () => ((await api("GET", `/jobs/${first}/checkpoints`)).counts.completed >= 2 ? true : undefined));
      await api("PATCH", `/jobs/${first}`);
      await state(first, "CANCELED");
      // The generator needs 2 s: the job was stopped part way.
      expect((await readCommittedLines(output, "from-job")).length).toBeLessThan(numbers);
      // The newest checkpoint on disk (one may complete while the job is being cancelled).
      const checkpoints = new NodeFileSystem(path.join(dataDir, "checkpoints"));
      const jobDir = (await checkpoints.list("")).find((d) => d.startsWith("from_job_numbers-"))!;
      const latest = Math.max(...(await checkpoints.list(jobDir)).flatMap((n) => /^chk-(\d+)$/.exec(n)?.slice(1).map(Number) ?? []));

      const both = await eddy(["submit", specFile, "--from-job", first, "--from-savepoint", `${jobDir}/chk-${latest}`], env());
      expect(both.code).toBe(1);
      expect(both.stderr).toContain("give either --from-savepoint or --from-job, not both");
      const missing = await eddy(["run", specFile, "--from-savepoint", "nope/chk-1"], env());
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("savepoint.path: expected a savepoint location");

      const run = await eddy(["run", specFile, "--from-job", first], env());
      expect(run.stderr).toBe("");
      expect(run.stdout).toContain(`from the latest checkpoint of job ${first}`);
      const second = /^ {2}job ([0-9a-f]{32})$/m.exec(run.stdout)![1]!;
      await state(second, "FINISHED");
      expect((await api("GET", `/jobs/${second}/checkpoints`)).latest.restored.id).toBe(latest);
      const committed = (await readCommittedLines(output, "from-job")).map((l) => (JSON.parse(l) as { n: number }).n).sort((a, b) => a - b);
      expect(committed).toEqual(Array.from({ length: numbers }, (_, i) => i));
    }, 30_000);
  });
});
