/**
 * Nexmark q3, local item suggestion: who sells in Oregon, Idaho or California in category 10,
 * and which auctions. An incremental (unwindowed) inner join of persons and auctions on
 * person.id = auction.seller: whichever side comes first waits in keyed state for the other.
 */
import {
  type Collector,
  type DataStream,
  type KeyedCoProcessFunction,
  type ListState,
  ListStateDescriptor,
  type RuntimeContext,
  type ValueState,
  ValueStateDescriptor,
} from "../../../core/index.ts";
import type { Auction, Event, Person } from "../model.ts";
import { auctions, persons } from "./views.ts";

/** A seller's name and place with one of their auctions. */
export interface LocalItem {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  readonly id: number;
}

/** The states q3 looks for. */
export const Q3_STATES: ReadonlySet<string> = new Set(["OR", "ID", "CA"]);
/** The category q3 looks for. */
export const Q3_CATEGORY = 10;

/** The join: per seller id, the person once seen, and the auctions that came before the person. */
class LocalItemJoin implements KeyedCoProcessFunction<number, Person, Auction, LocalItem> {
  private person?: ValueState<Person>;
  private waiting?: ListState<Auction>;

  open(ctx: RuntimeContext): void {
    this.person = ctx.getState(new ValueStateDescriptor<Person>("person"));
    this.waiting = ctx.getState(new ListStateDescriptor<Auction>("auctions before their seller"));
  }

  processElement1(p: Person, _ctx: unknown, out: Collector<LocalItem>): void {
    this.person!.update(p);
    const waiting = this.waiting!.get();
    if (waiting.length === 0) return;
    for (const a of waiting) out.collect({ name: p.name, city: p.city, state: p.state, id: a.id });
    this.waiting!.clear();
  }

  processElement2(a: Auction, _ctx: unknown, out: Collector<LocalItem>): void {
    const p = this.person!.value();
    if (p === undefined) this.waiting!.add(a);
    else out.collect({ name: p.name, city: p.city, state: p.state, id: a.id });
  }
}

/**
 * `SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
 *  WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`.
 */
export function q3(events: DataStream<Event>): DataStream<LocalItem> {
  const sellers = persons(events).filter((p) => Q3_STATES.has(p.state), "In OR, ID, CA");
  const items = auctions(events).filter((a) => a.category === Q3_CATEGORY, "In Category 10");
  return sellers
    .connect(items)
    .keyBy((p) => p.id, (a) => a.seller)
    .process<LocalItem>(new LocalItemJoin(), "Local Item Join");
}
