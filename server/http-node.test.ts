import { httpSuite } from "./http-suite.ts";
import { loopComponent, serveOnNode, uppercaseComponent } from "./testing/fixtures.ts";

httpSuite("node", serveOnNode, { wasm: true, component: uppercaseComponent, cluster: true, loopComponent });
