// @eddy-world keyed-process-operator
// Per key, adds the integer in each value to a running sum kept in state "sum", emits the
// new sum, and registers an event-time timer at the end of the record's second; when it
// fires, emits "fired@<time>:<sum>".
import { declareState, onProcess, onTimer, KeyedContext, Record } from "../../sdk/assemblyscript/keyed-process";
export * from "../../sdk/assemblyscript/keyed-process";

declareState("sum");

onProcess((r: Record, ctx: KeyedContext): void => {
  const sum = ctx.getI64("sum") + I64.parseInt(r.valueString());
  ctx.setI64("sum", sum);
  ctx.out.emitValue(r, sum.toString());
  if (r.hasTimestamp()) ctx.registerEventTimeTimer(Math.floor(r.timestamp / 1000) * 1000 + 999);
});

onTimer((time: f64, domain: u8, ctx: KeyedContext): void => {
  const sum = ctx.getI64("sum");
  ctx.out.emit(ctx.keyString(), time, "fired@" + (<i64>time).toString() + ":" + sum.toString());
});
