/**
 * The conformance matrix as text for a terminal: one row per scenario and one column per
 * runtime, then the portability matrix, the difference for every failed cell (each distinct one once), the reason for
 * every skipped one (each distinct reason once, numbered), and a last line of counts.
 */
import type { ScenarioResult } from "../index.ts";
import type { ConformanceMatrix } from "./matrix.ts";
import { PORTABILITY } from "./matrix.ts";
import type { PortabilityCell } from "./portability.ts";

/** The matrix as lines of text. */
export function matrixText(matrix: ConformanceMatrix): string {
  const reasons: string[] = [];
  // A column that crashed fails each of its scenarios with the same words: print them once.
  const failures = new Map<string, string[]>();
  const mark = (cell: Pick<ScenarioResult, "status" | "error" | "reason">, where: string): string => {
    if (cell.status === "passed") return "pass";
    if (cell.status === "failed") {
      const error = cell.error ?? "failed";
      failures.set(error, [...(failures.get(error) ?? []), where]);
      return "FAIL";
    }
    const reason = cell.reason ?? "skipped";
    let n = reasons.indexOf(reason);
    if (n < 0) n = reasons.push(reason) - 1;
    return `skip ${n + 1}`;
  };
  const out: string[] = [];
  if (matrix.rows.length > 0) {
    const labels = matrix.columns.map((c) => c.label);
    const table = [["scenario", ...labels], ...matrix.rows.map((row) => [row.scenario, ...row.cells.map((cell, i) => mark(cell, `${row.scenario} on ${labels[i]}`))])];
    out.push(...columnsOf(table));
  }
  const portability = matrix.portability;
  if (portability !== undefined) {
    const byPair = new Map<string, PortabilityCell>(portability.cells.map((c) => [`${c.from}>${c.to}`, c]));
    const table = [
      ["taken on \\ resumed on", ...portability.runtimes],
      ...portability.runtimes.map((from) => [from, ...portability.runtimes.map((to) => mark(byPair.get(`${from}>${to}`)!, `${PORTABILITY} ${from} -> ${to}`))]),
    ];
    out.push("", `${PORTABILITY}: a savepoint taken on one runtime, resumed on another, commits the uninterrupted output`, ...columnsOf(table).map((l) => `  ${l}`));
  }
  const tms = matrix.columns.find((c) => c.taskManagers > 0)?.taskManagers;
  const legend: string[] = [];
  if (tms !== undefined) legend.push(`<runtime>/${tms}tm: the jobs' subtasks spread over ${tms} worker TaskManager${tms === 1 ? "" : "s"} (worker threads on Node, Web Workers on Deno and Bun)`);
  if (matrix.columns.some((c) => c.label === "workerd/do") || portability?.runtimes.includes("workerd/do") === true) {
    legend.push("workerd/do: each job submitted to a Durable Object deployment in workerd, on a JobManager object and TaskManager objects; savepoints moved in and out over its HTTP API");
  }
  if (legend.length > 0) out.push("", ...legend);
  const versions = matrix.columns.filter((c) => c.taskManagers === 0 && c.version !== undefined).map((c) => c.version);
  if (versions.length > 0) out.push(`runtimes: ${versions.join(", ")}`);
  if (failures.size > 0) out.push("", "failed:", ...[...failures].map(([error, wheres]) => `  ${wheres.join(", ")}:\n    ${error.split("\n").join("\n    ")}`));
  if (reasons.length > 0) out.push("", "skipped:", ...reasons.map((r, i) => `  ${i + 1}. ${r}`));
  out.push("", `${matrix.passed} passed, ${matrix.failed} failed, ${matrix.skipped} skipped`);
  return out.join("\n");
}

function columnsOf(table: readonly (readonly string[])[]): string[] {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}
