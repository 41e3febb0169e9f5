/** Baseline of q0: a loop over the generated events that passes the bids through. */
import type { NexmarkGenerator } from "../generator.ts";
import { BID, type Bid } from "../model.ts";

export function q0Baseline(gen: NexmarkGenerator, emit: (b: Bid) => void): void {
  gen.forEach((e) => {
    if (e.type === BID) emit(e.bid!);
  });
}
