/**
 * Test-only helpers for window tests: a seeded PRNG, and a driver over the OperatorTestHarness
 * that returns the output of each input event separately.
 */
import type { KeySelector, OperatorHost } from "../runtime/operator-host.ts";
import type { StreamOperator } from "../runtime/operator.ts";
import { OperatorTestHarness, type OperatorTestHarnessOptions } from "../testing/operator-test-harness.ts";
export { mulberry32 } from "../testing/random.ts";


/** One emitted record: main output (`tag` undefined) or a side output. */
export interface Emitted {
  readonly value: unknown;
  readonly ts: number;
  readonly tag?: string;
}

/**
 * Drives one keyed operator through the {@link OperatorTestHarness}; each call returns what that
 * input made the operator emit (watermarks left out).
 */
export class Driver<IN, OUT> {
  readonly harness: OperatorTestHarness<IN, OUT>;
  private seen = 0;

  constructor(operator: StreamOperator<IN, OUT>, options: OperatorTestHarnessOptions) {
    this.harness = new OperatorTestHarness(operator, { name: operator.toString(), ...options });
  }

  get host(): OperatorHost<IN, OUT> {
    return this.harness.host;
  }

  get watermarks(): number[] {
    return this.harness.watermarks;
  }

  element(value: IN, ts: number, input = 0): Emitted[] {
    if (input === 0) this.harness.processElement(value, ts);
    else this.harness.processElement2(value, ts);
    return this.take();
  }

  watermark(ts: number): Emitted[] {
    this.harness.processWatermark(ts);
    return this.take();
  }

  advanceTime(to: number): Emitted[] {
    this.harness.setProcessingTime(to);
    return this.take();
  }

  take(): Emitted[] {
    const out: Emitted[] = [];
    const events = this.harness.events;
    for (; this.seen < events.length; this.seen++) {
      const e = events[this.seen]!;
      if (e.kind === "record") out.push({ value: e.value, ts: e.timestamp });
      else if (e.kind === "side") out.push({ value: e.value, ts: e.timestamp, tag: e.tag });
    }
    return out;
  }
}

/** Opens a driver for `operator` keyed by `key` (and `secondKey` on input 1). */
export async function drive<IN, OUT>(
  operator: StreamOperator<IN, OUT>,
  key: KeySelector<IN>,
  options: { secondKey?: KeySelector; startTime?: number } = {},
): Promise<Driver<IN, OUT>> {
  const driver = new Driver<IN, OUT>(operator, { keySelector: key, keySelector2: options.secondKey, startTime: options.startTime });
  await driver.harness.open();
  return driver;
}
