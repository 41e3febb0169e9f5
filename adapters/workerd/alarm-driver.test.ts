/**
 * The alarm driver of Durable Object TaskManagers: work that becomes possible at any moment (a
 * source's records arrive, a rate-held source's next token is due) gets an alarm, including
 * while the driver is itself busy arming one, and just after an alarm's handler returned.
 */
import { describe, expect, test } from "vitest";
import { ManualClock, type Sink, StreamExecutionEnvironment, WatermarkStrategy } from "../../core/index.ts";
import { QueueSource } from "../../core/testing/queue-source.ts";
import { AlarmDriver } from "./alarm-driver.ts";

/** A Durable Object's alarm as the driver sees it: setting one for later completes when the test lets it. */
class HeldAlarms {
  armedAt: number | undefined;
  private release: (() => void)[] = [];
  hold = false;
  constructor(private readonly clock: ManualClock) {}
  setAlarm(time: number): Promise<void> {
    this.armedAt = time;
    if (!this.hold || time <= this.clock.now()) return Promise.resolve();
    return new Promise<void>((resolve) => this.release.push(resolve));
  }
  /** Lets every held setAlarm complete. */
  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }
  get waiting(): number {
    return this.release.length;
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("AlarmDriver", () => {
  test("records that become available while the driver arms its next alarm are still processed", async () => {
    const clock = new ManualClock(0);
    // Checkpointing gives the executor a timer, so the driver arms an alarm for it when idle.
    const env = StreamExecutionEnvironment.create({ clock }).enableCheckpointing(60_000);
    const source = new QueueSource<number>();
    const out: number[] = [];
    const sink: Sink<number> = { createWriter: () => ({ write: (v: number) => void out.push(v), flush: () => {} }) };
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").map((x) => x * 10).sinkTo(sink);
    const job = env.prepare("alarms");
    const alarms = new HeldAlarms(clock);
    const driver = new AlarmDriver({ alarms, flush: async () => {}, now: () => clock.now() });
    void driver.drive(job.executor);
    // The object's runtime fires an alarm once it is due; the clock moves a millisecond at most
    // (an alarm is never armed for the very time of the one that fired).
    const fireDue = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        await settle();
        if (alarms.armedAt !== undefined && alarms.armedAt <= clock.now() + 1) {
          clock.advanceTo(Math.max(clock.now(), alarms.armedAt));
          await driver.alarm();
        }
      }
    };
    await fireDue();
    source.push(1);
    await fireDue();
    expect(out).toEqual([10]);

    // Once a record is processed the driver is idle again and arms the alarm for the executor's
    // next timer. Another record arrives while that setAlarm is in flight.
    alarms.hold = true;
    source.push(2);
    for (let i = 0; i < 20 && alarms.waiting === 0; i++) {
      await settle();
      if (alarms.armedAt !== undefined && alarms.armedAt <= clock.now() + 1) {
        clock.advanceTo(Math.max(clock.now(), alarms.armedAt));
        void driver.alarm();
      }
    }
    expect(alarms.waiting).toBe(1);
    expect(out).toEqual([10, 20]);
    source.push(3);
    await settle();
    alarms.hold = false;
    alarms.releaseAll();
    await fireDue();
    expect(out).toEqual([10, 20, 30]);
    job.executor.cancel();
  });

  test("a wake-up just after an alarm's handler returned is not lost with the alarm the runtime deletes", async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock }).enableCheckpointing(60_000);
    const source = new QueueSource<number>();
    const out: number[] = [];
    const sink: Sink<number> = { createWriter: () => ({ write: (v: number) => void out.push(v), flush: () => {} }) };
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").map((x) => x * 10).sinkTo(sink);
    const job = env.prepare("alarms");
    const alarms = new RuntimeAlarms();
    const driver = new AlarmDriver({ alarms, flush: async () => {}, now: () => clock.now() });
    void driver.drive(job.executor);
    // The runtime fires the stored alarm once it is due, a millisecond of the clock at a time.
    const run = async (pushAfterReturn?: number): Promise<void> => {
      for (let i = 0; i < 30; i++) {
        await settle();
        if (alarms.stored !== undefined && alarms.stored <= clock.now()) {
          await alarms.deliver(driver, () => {
            if (pushAfterReturn !== undefined) source.push(pushAfterReturn);
            pushAfterReturn = undefined;
          });
        } else clock.advanceTo(clock.now() + 1);
      }
    };
    await run();
    source.push(1);
    await run();
    expect(out).toEqual([10]);
    // A record arrives as the next alarm's handler returns, in the same millisecond.
    source.push(2);
    await run(3);
    expect(out).toEqual([10, 20, 30]);
    // And the driver still arms alarms for what comes later.
    source.push(4);
    await run();
    expect(out).toEqual([10, 20, 30, 40]);
    job.executor.cancel();
  });
});

/**
 * A Durable Object's alarm as workerd keeps it: one stored time; once an alarm's event ends, the
 * alarm it ran is deleted unless it was set to another time meanwhile (so a setAlarm for the
 * same millisecond that comes as the handler returns is lost).
 */
class RuntimeAlarms {
  stored: number | undefined;
  setAlarm(time: number): Promise<void> {
    this.stored = time;
    return Promise.resolve();
  }
  /** Runs the handler of the stored alarm; `afterReturn` happens between its return and the event's end. */
  async deliver(driver: AlarmDriver, afterReturn: () => void): Promise<void> {
    const ran = this.stored;
    await driver.alarm();
    afterReturn();
    await settle();
    if (this.stored === ran) this.stored = undefined;
  }
}
