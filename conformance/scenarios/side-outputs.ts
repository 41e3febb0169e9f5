import { OutputTag, StreamExecutionEnvironment } from "../../core/index.ts";
import { integers } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";

const input = () => integers(909, 400, 0, 10_000);

/** A ProcessFunction emits to the main output and, through ctx.output, to any number of side outputs. */
const scenario: Scenario<string> = {
  name: "side-outputs",
  description: "ProcessFunction ctx.output(tag, value) reaches getSideOutput(tag); the main output is unaffected",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const odd = new OutputTag<number>("odd");
    const fives = new OutputTag<string>("fives");
    const main = env.fromCollection(input()).process<number>({
      processElement(n, ctx, out) {
        if (n % 2 === 0) out.collect(n);
        else ctx.output(odd, n);
        if (n % 5 === 0) ctx.output(fives, `five:${n}`);
      },
    });
    return main
      .map((n) => `even:${n}`)
      .union(main.getSideOutput(odd).map((n) => `odd:${n}`), main.getSideOutput(fives))
      ;
  },
  expected() {
    const out: string[] = [];
    for (const n of input()) {
      out.push(n % 2 === 0 ? `even:${n}` : `odd:${n}`);
      if (n % 5 === 0) out.push(`five:${n}`);
    }
    return out;
  },
};
export default scenario;
