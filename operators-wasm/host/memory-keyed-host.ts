/**
 * An in-memory `KeyedProcessHost`: keyed state in Maps and timers in a sorted list. A
 * reference for adapters to core's state backends and timer service, and a test double.
 */
import type { KeyedProcessHost } from "./instance.ts";
import { decodeStateRequests, decodeStateWrites, decodeTimerUpdates, encodeStateValues, type FiredTimer, type TimeDomain } from "./keyed-codec.ts";

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

export class MemoryKeyedHost implements KeyedProcessHost {
  /** state name -> key (latin1 of the key bytes) -> value */
  readonly state: Map<string, Map<string, Uint8Array>> = new Map();
  private readonly timers = new Map<string, FiredTimer>();
  /** Host calls made, for tests that check batching. */
  readonly calls = { read: 0, write: 0, updateTimers: 0 };

  read(requests: Uint8Array): Uint8Array {
    this.calls.read++;
    return encodeStateValues(decodeStateRequests(requests).map((r) => this.state.get(r.name)?.get(latin1(r.key))));
  }

  write(writes: Uint8Array): void {
    this.calls.write++;
    for (const w of decodeStateWrites(writes)) {
      let m = this.state.get(w.name);
      if (!m) this.state.set(w.name, (m = new Map()));
      if (w.value === undefined) m.delete(latin1(w.key));
      else m.set(latin1(w.key), w.value);
    }
  }

  updateTimers(updates: Uint8Array): void {
    this.calls.updateTimers++;
    for (const u of decodeTimerUpdates(updates)) {
      const id = `${u.domain}|${u.time}|${latin1(u.key)}`;
      if (u.register) this.timers.set(id, { key: u.key, time: u.time, domain: u.domain });
      else this.timers.delete(id);
    }
  }

  /** Removes and returns the timers of `domain` due at `time` (inclusive), oldest first. */
  due(domain: TimeDomain, time: number): FiredTimer[] {
    const out: FiredTimer[] = [];
    for (const [id, t] of this.timers) {
      if (t.domain === domain && t.time <= time) {
        out.push(t);
        this.timers.delete(id);
      }
    }
    return out.sort((a, b) => a.time - b.time);
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}
