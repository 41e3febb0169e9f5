import type { StreamExecutionEnvironment } from "../../core/index.ts";
import { integers } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";

const input = () => integers(101, 500, 0, 1000);

/** A stateless chain over a bounded collection at parallelism 2. */
const scenario: Scenario<string> = {
  name: "map-filter-flatmap",
  description: "map, filter and flatMap over fromCollection emit every surviving record once",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    return env
      .fromCollection(input())
      .map((x) => x * 3)
      .filter((x) => x % 2 === 0)
      .flatMap((x: number, out) => {
        for (let i = 0; i < x % 5; i++) out.collect(`${x}#${i}`);
      })
      ;
  },
  expected() {
    const out: string[] = [];
    for (const value of input()) {
      const x = value * 3;
      if (x % 2 !== 0) continue;
      for (let i = 0; i < x % 5; i++) out.push(`${x}#${i}`);
    }
    return out;
  },
};
export default scenario;
