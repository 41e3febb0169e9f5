import { httpSuite } from "./http-suite.ts";
import { serveOn, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("bun", () => serveOn("bun"), { wasm: true, component: uppercaseComponent });
