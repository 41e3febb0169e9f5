import { describe, expect, it } from "vitest";
import { StatusWatermarkValve } from "./status-watermark-valve.ts";
import { mulberry32 as rng } from "../testing/random.ts";


type Event = number | "idle" | "active";

function valve(n: number) {
  const log: Event[] = [];
  const v = new StatusWatermarkValve(n, {
    emitWatermark: (ts) => log.push(ts),
    emitWatermarkStatus: (idle) => log.push(idle ? "idle" : "active"),
  });
  return { v, log };
}

/**
 * A reference written from the rules, not from Flink's code: the output is the largest value
 * that is <= every active channel's watermark, among channels whose watermark has reached
 * the output since they were last (re)activated; it never goes back; when the last channel goes
 * idle the output jumps to the largest watermark any channel has.
 */
class Reference {
  wm: number[];
  idle: boolean[];
  counted: boolean[];
  out = -Infinity;
  outIdle = false;
  log: Event[] = [];
  constructor(n: number) {
    this.wm = new Array<number>(n).fill(-Infinity);
    this.idle = new Array<boolean>(n).fill(false);
    this.counted = new Array<boolean>(n).fill(true);
  }
  private emitMin() {
    const ws = this.wm.filter((_, i) => this.counted[i]);
    if (ws.length === 0) return;
    const m = Math.min(...ws);
    if (m > this.out) this.log.push((this.out = m));
  }
  watermark(w: number, c: number) {
    if (this.outIdle || this.idle[c] || w <= this.wm[c]!) return;
    this.wm[c] = w;
    if (w >= this.out) this.counted[c] = true;
    this.emitMin();
  }
  status(idle: boolean, c: number) {
    if (idle === this.idle[c]) return;
    this.idle[c] = idle;
    if (idle) {
      this.counted[c] = false;
      if (this.idle.every((x) => x)) {
        if (this.wm[c] === this.out) {
          const m = Math.max(...this.wm);
          if (m > this.out) this.log.push((this.out = m));
        }
        this.outIdle = true;
        this.log.push("idle");
      } else if (this.wm[c] === this.out) this.emitMin();
    } else {
      if (this.wm[c]! >= this.out) this.counted[c] = true;
      if (this.outIdle) {
        this.outIdle = false;
        this.log.push("active");
      }
    }
  }
}

describe("StatusWatermarkValve", () => {
  it("emits the minimum over channels, only when it advances", () => {
    const { v, log } = valve(3);
    v.inputWatermark(10, 0);
    v.inputWatermark(5, 1);
    expect(log).toEqual([]);
    v.inputWatermark(7, 2);
    expect(log).toEqual([5]);
    v.inputWatermark(20, 1);
    expect(log).toEqual([5, 7]);
    v.inputWatermark(3, 2); // going back on a channel is ignored
    expect(log).toEqual([5, 7]);
    expect(v.currentWatermark).toBe(7);
  });

  it("leaves idle channels out, goes idle when all are, and never goes back", () => {
    const { v, log } = valve(2);
    v.inputWatermark(10, 0);
    v.inputWatermark(50, 1);
    expect(log).toEqual([10]);
    v.inputWatermarkStatus(true, 0); // only channel 1 counts now
    expect(log).toEqual([10, 50]);
    v.inputWatermarkStatus(true, 1);
    expect(log).toEqual([10, 50, "idle"]);
    expect(v.isIdle).toBe(true);
    v.inputWatermarkStatus(false, 0); // back, with a watermark (10) below the output (50)
    expect(log).toEqual([10, 50, "idle", "active"]);
    v.inputWatermark(30, 0); // still behind: does not pull the output back
    v.inputWatermark(60, 0);
    expect(log).toEqual([10, 50, "idle", "active", 60]);
  });

  it("flushes the largest watermark when the last active channel goes idle", () => {
    const { v, log } = valve(2);
    v.inputWatermark(100, 0);
    v.inputWatermarkStatus(true, 0);
    v.inputWatermark(40, 1);
    expect(log).toEqual([40]);
    v.inputWatermarkStatus(true, 1);
    expect(log).toEqual([40, 100, "idle"]);
  });

  it("matches the reference on random sequences", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const n = 1 + Math.floor(r() * 4);
      const { v, log } = valve(n);
      const ref = new Reference(n);
      const last = new Array<number>(n).fill(0);
      for (let i = 0; i < 200; i++) {
        const c = Math.floor(r() * n);
        const x = r();
        if (x < 0.7) {
          // Mostly increasing per channel, sometimes going back.
          const w = last[c]! + Math.floor(r() * 20) - 4;
          last[c] = Math.max(last[c]!, w);
          v.inputWatermark(w, c);
          ref.watermark(w, c);
        } else {
          const idle = x < 0.85;
          v.inputWatermarkStatus(idle, c);
          ref.status(idle, c);
        }
      }
      expect(log).toEqual(ref.log);
      const nums = log.filter((e): e is number => typeof e === "number");
      for (let i = 1; i < nums.length; i++) expect(nums[i]!).toBeGreaterThan(nums[i - 1]!);
    }
  });

  it("rejects bad channel counts and indexes", () => {
    expect(() => valve(0)).toThrow(/numChannels=0/);
    expect(() => valve(2).v.inputWatermark(1, 2)).toThrow(/channel 2 does not exist/);
  });
});
