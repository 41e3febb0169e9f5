/**
 * Starts Eddy's Kafka test broker (librdkafka's patched mock cluster, a real
 * Kafka protocol server) in a child process. Uses only node:child_process,
 * node:path and node:url so it runs on Node, Deno and Bun.
 *
 * @example
 * const broker = await startTestBroker({ brokers: 3, topics: [{ name: "clicks", partitions: 4 }] });
 * const kafka = new Kafka({ brokers: broker.bootstrap });
 * await broker.command("add-partitions clicks 8");
 * await broker.close();
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Path of the script that builds (or locates) the broker binary. */
export const buildScript: string = join(here, "build.sh");

/** A topic the broker creates before it reports ready. */
export interface TestTopic {
  name: string;
  partitions: number;
  /** Replication factor; defaults to min(3, brokers). */
  replicationFactor?: number;
}

export interface TestBrokerOptions {
  /** Number of brokers in the cluster (ids 1..n); default 1. */
  brokers?: number;
  topics?: TestTopic[];
  /** Build the binary when it is not cached yet (about a minute); default true.
   *  With false, a missing binary is an error naming the build script. */
  build?: boolean;
  /** Delay before a new (empty) consumer group's first rebalance; default 200 ms. */
  initialRebalanceDelayMs?: number;
  /** Log librdkafka's mock debug output to this process's stderr. */
  debug?: boolean;
}

export interface TestBroker {
  /** host:port of every broker, for a client's `brokers` list. */
  bootstrap: string[];
  /**
   * Sends one line command and resolves with the broker's one line answer,
   * rejecting when it starts with "error". Commands: `create-topic <t> <n> [rf]`,
   * `delete-topic <t>`, `add-partitions <t> <total>`, `broker-down <id>`,
   * `broker-up <id>`, `rtt <id> <ms>`, `leader <t> <p> <id>`,
   * `coordinator <group|transaction> <key> <id>`, `errors <api> <err>...`,
   * `clear-errors <api>`, `delete-records <t> <p> <offset>`, `ping`.
   */
  command(line: string): Promise<string>;
  /** Stops the broker (all data is lost). */
  close(): Promise<void>;
}

/** Error from the test broker; the message names what went wrong. */
export class TestBrokerError extends Error {
  constructor(message: string) {
    super(`[eddy] test broker: ${message}`);
    this.name = "TestBrokerError";
  }
}

/** Resolves the broker binary: $EDDY_KAFKA_BROKER_BIN, else build.sh's cache. */
export function locateBrokerBinary(build = true): Promise<string> {
  const fromEnv = globalThis.process?.env?.EDDY_KAFKA_BROKER_BIN;
  if (fromEnv) return Promise.resolve(fromEnv);
  const args = build ? [buildScript] : [buildScript, "--locate"];
  return new Promise((resolve, reject) => {
    execFile("bash", args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const lines = String(stdout).trim().split("\n");
      const path = lines[lines.length - 1];
      if (error || !path) {
        reject(
          new TestBrokerError(
            build
              ? `building the broker failed; run ${buildScript} to see why:\n${String(stderr).slice(-4000)}`
              : `the broker binary is not built; run ${buildScript} first`,
          ),
        );
      } else {
        resolve(path);
      }
    });
  });
}

/** Starts a broker cluster and resolves once it accepts connections. */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const binary = await locateBrokerBinary(options.build ?? true);
  const args = ["--brokers", String(options.brokers ?? 1)];
  if (options.initialRebalanceDelayMs !== undefined) {
    args.push("--rebalance-delay-ms", String(options.initialRebalanceDelayMs));
  }
  if (options.debug) args.push("--debug");
  for (const t of options.topics ?? []) {
    args.push(`${t.name}:${t.partitions}${t.replicationFactor ? `:${t.replicationFactor}` : ""}`);
  }

  // stdin stays a pipe: the broker exits when it closes, so a crashed test
  // process leaves nothing behind.
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", options.debug ? "inherit" : "pipe"] });
  return await attach(child);
}

function attach(child: ChildProcess): Promise<TestBroker> {
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Uint8Array) => {
    stderrTail = (stderrTail + String(chunk)).slice(-4000);
  });

  // Answers arrive in order, one line per command.
  const waiting: Array<{ resolve(line: string): void; reject(e: Error): void }> = [];
  let buffered = "";
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const failAll = (error: Error) => {
    for (const w of waiting.splice(0)) w.reject(error);
  };

  stdout.on("data", (chunk: Uint8Array) => {
    buffered += String(chunk);
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.resolve(line);
    }
  });
  child.once("exit", (code, signal) => {
    exited = true;
    failAll(new TestBrokerError(`exited (${signal ?? code}) ${stderrTail.trim()}`));
  });
  // Don't crash on EPIPE when the broker is gone; the exit handler reports it.
  stdin.on("error", () => {});

  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      if (exited) reject(new TestBrokerError(`exited ${stderrTail.trim()}`));
      else waiting.push({ resolve, reject });
    });

  return new Promise<TestBroker>((resolve, reject) => {
    child.once("error", (e) => reject(new TestBrokerError(`could not start: ${e.message}`)));
    nextLine().then((first) => {
      const bootstrap = first.trim().split(",").filter(Boolean);
      if (bootstrap.length === 0) {
        child.kill();
        reject(new TestBrokerError(`unexpected first line ${JSON.stringify(first)}`));
        return;
      }
      resolve({
        bootstrap,
        command(line: string) {
          if (line.includes("\n")) {
            return Promise.reject(new TestBrokerError("a command is one line"));
          }
          const answer = nextLine();
          stdin.write(`${line}\n`);
          return answer.then((a) =>
            a.startsWith("error") ? Promise.reject(new TestBrokerError(a)) : a,
          );
        },
        async close() {
          if (exited) return;
          stdin.end();
          const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
          await exitedPromise;
          clearTimeout(timer);
        },
      });
    }, reject);
  });
}
