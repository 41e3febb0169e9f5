import type { StreamExecutionEnvironment } from "../../core/index.ts";
import { integers } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";

interface Tagged {
  source: "a" | "b";
  value: number;
}

const left = () => integers(707, 300, 0, 999);
const right = () => integers(708, 200, 0, 999).map((n) => `w${n}`);

const scenario: Scenario<Tagged> = {
  name: "union",
  description: "union merges two sources into one stream carrying every element of both",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const a = env.fromCollection(left()).map((value): Tagged => ({ source: "a", value }));
    const b = env.fromCollection(right()).map((word): Tagged => ({ source: "b", value: word.length }));
    return a
      .union(b)
      .filter((t) => t.value !== 500)
      ;
  },
  expected() {
    return [
      ...left().map((value): Tagged => ({ source: "a", value })),
      ...right().map((word): Tagged => ({ source: "b", value: word.length })),
    ].filter((t) => t.value !== 500);
  },
};
export default scenario;
