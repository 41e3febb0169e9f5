/**
 * The Nexmark event model (an online auction): people register, open auctions and bid on them.
 * Field names follow the Nexmark specification and Flink's nexmark repository; times are event
 * time in ms since the epoch.
 */

/** A new user of the auction site. */
export interface Person {
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
}

/** A new auction: open from `dateTime` until `expires`. */
export interface Auction {
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
}

/** A bid on an auction. */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
}

/** Which of the three fields of an {@link Event} is set (Flink nexmark's Event.Type). */
export type EventType = typeof PERSON | typeof AUCTION | typeof BID;
/** {@link EventType} of a new person. */
export const PERSON = 0;
/** {@link EventType} of a new auction. */
export const AUCTION = 1;
/** {@link EventType} of a bid. */
export const BID = 2;

/** One event of the stream: exactly one of `person`, `auction`, `bid` is set, as `type` says. */
export interface Event {
  readonly type: EventType;
  readonly person: Person | undefined;
  readonly auction: Auction | undefined;
  readonly bid: Bid | undefined;
}
