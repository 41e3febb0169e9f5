import { afterEach, describe, expect, it } from "vitest";
import type { CompiledComponent } from "../../operators-wasm/host/instance.ts";
import { bundledComponent, registerBundledComponents } from "./bundled-components.ts";

describe("bundledComponent: a job module names a component compiled into its Worker's bundle", () => {
  afterEach(() => registerBundledComponents([]));

  it("finds a component by any of the names eddy bundle gives it", () => {
    const compiled = { world: "map-operator" } as unknown as CompiledComponent;
    registerBundledComponents([{ names: ["upper.wasm", "@upper.wasm", "upper", "ab12"], compiled }]);
    expect(bundledComponent("upper")).toBe(compiled);
    expect(bundledComponent("ab12")).toBe(compiled);
  });

  it("refuses a name the bundle does not hold, naming it and the ones it holds", () => {
    registerBundledComponents([{ names: ["upper.wasm", "@upper.wasm", "upper", "ab12"], compiled: {} as CompiledComponent }]);
    expect(() => bundledComponent("lower")).toThrow('[eddy] no component "lower" is bundled into this Worker (it has upper): bundle it with eddy bundle --component lower.wasm');
    registerBundledComponents([]);
    expect(() => bundledComponent("lower")).toThrow(/\(it has none\)/);
  });
});
