import { httpSuite } from "./http-suite.ts";
import { serveOnNode, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("node", serveOnNode, { wasm: true, component: uppercaseComponent });
