import { type CoProcessFunction, StreamExecutionEnvironment } from "../../core/index.ts";
import { integers } from "../inputs.ts";
import type { Scenario } from "../scenario.ts";

const numbers = () => integers(808, 250, -50, 50);
const words = () => integers(809, 150, 1, 6).map((n) => "xyz".repeat(n));

/** A CoProcessFunction sees each input through its own method and may emit several records or none. */
const scenario: Scenario<string> = {
  name: "connect-coprocess",
  description: "connect + CoProcessFunction routes each input to processElement1 / processElement2",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const a = env.fromCollection(numbers());
    const b = env.fromCollection(words());
    const describe: CoProcessFunction<number, string, string> = {
      processElement1(n, _ctx, out) {
        if (n >= 0) out.collect(`n:${n * 2}`);
      },
      processElement2(word, _ctx, out) {
        out.collect(`w:${word.length}`);
        if (word.length > 9) out.collect(`long:${word.length}`);
      },
    };
    return a.connect(b).process(describe);
  },
  expected() {
    const out: string[] = [];
    for (const n of numbers()) if (n >= 0) out.push(`n:${n * 2}`);
    for (const word of words()) {
      out.push(`w:${word.length}`);
      if (word.length > 9) out.push(`long:${word.length}`);
    }
    return out;
  },
};
export default scenario;
