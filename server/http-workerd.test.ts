import { httpSuite } from "./http-suite.ts";
import { serveOnWorkerd } from "./testing/fixtures.ts";

// workerd cannot compile WebAssembly at run time nor open Kafka connections, and a job started
// by one request does not run on after its response: there the suite checks validation, auth,
// limits, 404s and the schema.
httpSuite("workerd", serveOnWorkerd, { wasm: false, jobs: false, kafka: false });
