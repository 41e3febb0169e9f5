import { httpSuite } from "./http-suite.ts";
import { serveOn, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("bun", (options) => serveOn("bun", options), { wasm: true, component: uppercaseComponent });
