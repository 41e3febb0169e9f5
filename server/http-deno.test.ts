import { httpSuite } from "./http-suite.ts";
import { serveOn, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("deno", () => serveOn("deno"), { wasm: true, component: uppercaseComponent });
