/**
 * What run scenarios check with: each failed check throws a ScenarioFailure naming what differs.
 */
import { type Comparison, compareOutputs } from "./compare.ts";
import { ScenarioFailure } from "./scenario.ts";

/** Throws unless `actual` matches `expected` as `how` compares them; `what` names the output. */
export function expectOutput<T>(actual: unknown, expected: readonly T[], how: Comparison<T>, what: string): void {
  const difference = compareOutputs(actual, expected, how);
  if (difference !== undefined) throw new ScenarioFailure(`${what}: ${difference}`);
}

/** Throws `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ScenarioFailure(message);
}

/** Polls `condition` every 5 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new ScenarioFailure(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
