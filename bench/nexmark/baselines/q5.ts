/** Baseline of q5: per sliding window a Map of bid counts per auction; the top ones are emitted when the window ends. */
import type { NexmarkGenerator } from "../generator.ts";
import { BID } from "../model.ts";
import { type AuctionCount, Q5_SIZE_MS, Q5_SLIDE_MS } from "../queries/q5.ts";
import { windowStart } from "./window-start.ts";

export function q5Baseline(gen: NexmarkGenerator, emit: (r: AuctionCount) => void): void {
  const windows = new Map<number, Map<number, number>>();
  const fire = (upTo: number): void => {
    for (const [start, counts] of windows) {
      if (start + Q5_SIZE_MS > upTo) continue;
      let max = 0;
      for (const n of counts.values()) if (n > max) max = n;
      for (const [auction, num] of counts) if (num === max) emit({ auction, num, starttime: start });
      windows.delete(start);
    }
  };
  // Events are in event-time order: once one reaches a window's end, that window is complete.
  let nextEnd = Number.NEGATIVE_INFINITY;
  gen.forEach((e) => {
    if (e.type !== BID) return;
    const b = e.bid!;
    const ts = b.dateTime;
    if (ts >= nextEnd) {
      fire(ts);
      nextEnd = windowStart(ts, Q5_SLIDE_MS) + Q5_SLIDE_MS;
    }
    for (let start = windowStart(ts, Q5_SLIDE_MS); start > ts - Q5_SIZE_MS; start -= Q5_SLIDE_MS) {
      let counts = windows.get(start);
      if (counts === undefined) windows.set(start, (counts = new Map()));
      counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
    }
  });
  fire(Number.POSITIVE_INFINITY);
}
