import type { StreamExecutionEnvironment } from "../../core/index.ts";
import { integers } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";

const PARALLELISM = 2;
const input = () => integers(1_717, 200, 0, 9_999);

/** broadcast copies every record to each downstream subtask; the other partitioners route it to one. */
const scenario: Scenario<string> = {
  name: "partitioners",
  description: "broadcast delivers each record to every parallel subtask; rebalance, rescale and global to exactly one",
  compare: "unordered",
  parallelism: PARALLELISM,
  build(env) {
    const source = env.fromCollection(input());
    const broadcast = source.broadcast().map((n) => `broadcast:${n}`);
    const rebalance = source.rebalance().map((n) => `rebalance:${n}`);
    const rescale = source.rescale().map((n) => `rescale:${n}`).setParallelism(3);
    const global = source.global().map((n) => `global:${n}`);
    return broadcast.union(rebalance, rescale, global);
  },
  expected() {
    const out: string[] = [];
    for (const n of input()) {
      for (let i = 0; i < PARALLELISM; i++) out.push(`broadcast:${n}`);
      out.push(`rebalance:${n}`, `rescale:${n}`, `global:${n}`);
    }
    return out;
  },
};
export default scenario;
