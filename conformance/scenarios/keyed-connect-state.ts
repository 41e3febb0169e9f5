import { type KeyedCoProcessFunction, ListStateDescriptor, StreamExecutionEnvironment } from "../../core/index.ts";
import { SeededRandom } from "../random.ts";
import type { Scenario } from "../scenario.ts";

interface Order {
  customer: string;
  orderId: number;
}
interface Shipment {
  to: string;
  shipmentId: number;
}
interface Ledger {
  key: string;
  orders: number[];
  shipments: number[];
}

const END = 1_000_000_000;
function orders(): Order[] {
  const random = new SeededRandom(1_616);
  return Array.from({ length: 120 }, (_, i) => ({ customer: `c${random.int(0, 6)}`, orderId: i }));
}
function shipments(): Shipment[] {
  const random = new SeededRandom(1_617);
  return Array.from({ length: 90 }, (_, i) => ({ to: `c${random.int(0, 6)}`, shipmentId: 1_000 + i }));
}

/**
 * Connected keyed streams share keyed state: both inputs append to lists of the same key, and
 * one event-time timer per key, fired by the final watermark of the bounded sources (which
 * carry no timestamps), reports them. The result does not depend on how the inputs interleave.
 */
const scenario: Scenario<Ledger> = {
  name: "keyed-connect-state",
  description: "connect + keyBy + KeyedCoProcessFunction shares state per key across inputs; the final watermark fires timers",
  compare: "unordered",
  parallelism: 2,
  build(env) {
    const orderIds = new ListStateDescriptor<number>("orders");
    const shipmentIds = new ListStateDescriptor<number>("shipments");
    const ledger: KeyedCoProcessFunction<string, Order, Shipment, Ledger> = {
      processElement1(order, ctx) {
        ctx.getState(orderIds).add(order.orderId);
        ctx.timerService().registerEventTimeTimer(END);
      },
      processElement2(shipment, ctx) {
        ctx.getState(shipmentIds).add(shipment.shipmentId);
        ctx.timerService().registerEventTimeTimer(END);
      },
      onTimer(_timestamp, ctx, out) {
        const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
        out.collect({
          key: ctx.getCurrentKey(),
          orders: sorted(ctx.getState(orderIds).get()),
          shipments: sorted(ctx.getState(shipmentIds).get()),
        });
      },
    };
    return env
      .fromCollection(orders())
      .connect(env.fromCollection(shipments()))
      .keyBy((o) => o.customer, (s) => s.to)
      .process(ledger)
      ;
  },
  expected() {
    const ledgers = new Map<string, Ledger>();
    const get = (key: string) => {
      let l = ledgers.get(key);
      if (l === undefined) ledgers.set(key, (l = { key, orders: [], shipments: [] }));
      return l;
    };
    for (const o of orders()) get(o.customer).orders.push(o.orderId);
    for (const s of shipments()) get(s.to).shipments.push(s.shipmentId);
    return [...ledgers.values()];
  },
};
export default scenario;
