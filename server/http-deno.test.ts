import { httpSuite } from "./http-suite.ts";
import { loopComponent, serveOn, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("deno", (options) => serveOn("deno", options), { wasm: true, component: uppercaseComponent, cluster: true, loopComponent });
