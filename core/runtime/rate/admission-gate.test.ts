import { describe, expect, it } from "vitest";
import { AdmissionGate } from "./admission-gate.ts";

describe("AdmissionGate", () => {
  it("admits everything until a rate is set", () => {
    const gate = new AdmissionGate();
    for (let t = 0; t < 10; t++) expect(gate.admit(1_000_000, t)).toEqual({ admitted: true });
  });

  it("admits a burst of one second of the rate, then the rate, and names the wait for the rest", () => {
    const gate = new AdmissionGate();
    gate.setRate(100, 0);
    expect(gate.admit(60, 0).admitted).toBe(true);
    expect(gate.admit(40, 0).admitted).toBe(true);
    // Empty: 10 records need 10 / 100 s.
    expect(gate.admit(10, 0)).toEqual({ admitted: false, retryAfterMs: 100, rate: 100 });
    // 50 ms later 5 tokens are back: 10 still need 50 ms more.
    expect(gate.admit(10, 50)).toEqual({ admitted: false, retryAfterMs: 50, rate: 100 });
    expect(gate.admit(10, 100).admitted).toBe(true);
    // Over 10 s a client retrying every 10 ms is admitted at the rate, never above it (plus one burst).
    let admitted = 0;
    for (let t = 100; t <= 10_100; t += 10) if (gate.admit(5, t).admitted) admitted += 5;
    expect(admitted).toBeLessThanOrEqual(100 * 10 + 100);
    expect(admitted).toBeGreaterThanOrEqual(100 * 10 - 5);
  });

  it("admits a batch larger than one burst once the bucket is full, and later batches wait for the debt", () => {
    const gate = new AdmissionGate();
    gate.setRate(100, 0);
    expect(gate.admit(250, 0).admitted).toBe(true);
    // 150 owed, plus 10 wanted: (150 + 10) / 100 s.
    expect(gate.admit(10, 0)).toEqual({ admitted: false, retryAfterMs: 1_600, rate: 100 });
    expect(gate.admit(10, 1_600).admitted).toBe(true);
  });

  it("follows a new rate at once, keeping no more than one burst of it", () => {
    const gate = new AdmissionGate();
    gate.setRate(1_000, 0);
    gate.setRate(10, 0);
    expect(gate.admit(10, 0).admitted).toBe(true);
    expect(gate.admit(1, 0)).toEqual({ admitted: false, retryAfterMs: 100, rate: 10 });
    gate.setRate(undefined, 0);
    expect(gate.admit(1_000, 0).admitted).toBe(true);
  });

  it("refuses a rate <= 0 naming it", () => {
    expect(() => new AdmissionGate().setRate(0, 0)).toThrow(/a rate must be > 0 records\/s, got 0/);
    expect(() => new AdmissionGate({ burstSeconds: -1 })).toThrow(/burstSeconds must be a finite number > 0, got -1/);
  });
});
