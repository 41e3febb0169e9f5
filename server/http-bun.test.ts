import { httpSuite } from "./http-suite.ts";
import { loopComponent, serveOn, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("bun", (options) => serveOn("bun", options), { wasm: true, component: uppercaseComponent, cluster: true, loopComponent });
