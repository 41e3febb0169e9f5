import { httpSuite } from "./http-suite.ts";
import { serveOnWorkerd } from "./testing/fixtures.ts";

// workerd cannot compile WebAssembly at run time: the suite runs without the WASM operator there.
httpSuite("workerd", serveOnWorkerd, { wasm: false });
