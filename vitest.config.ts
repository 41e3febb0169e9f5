import { defineConfig } from "vitest/config";

/**
 * Unit tests beside the code (`x.test.ts`). The conformance suite is not a vitest suite: each
 * runtime runs conformance/run.ts directly (see scripts/test.mjs).
 */
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".cache/**", "operators-wasm/guests/**", "operators-wasm/sdk/assemblyscript/**", "conformance/scenarios/**", "conformance/run.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
