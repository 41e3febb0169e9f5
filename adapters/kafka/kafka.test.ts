import { describe, test } from "vitest";
import { kafkaScenarios } from "./scenarios.ts";

// Each scenario starts its own test broker (built on first use, about a minute).
describe("eddy/kafka against the test broker", () => {
  for (const s of kafkaScenarios) test(s.name, () => s.run(), 120_000);
});
