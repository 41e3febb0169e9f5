/**
 * Runs the executors of a Durable Object TaskManager from its alarms. An object lives while it
 * handles an event, so nothing may loop waiting for work: each alarm (or a message that brings
 * work) runs bounded slices of `step()`, hands what they produced to the transport, and arms
 * the next alarm for the earliest thing that can make progress (a timer, a source's
 * availability, more work). An executor that has finished, failed or was cancelled is taken to
 * its end by `run()` (the final checkpoint, which the JobManager drives, then closing its
 * operators), which from there only waits for messages.
 */
import type { TaskExecutor } from "../../core/runtime/task-executor.ts";

/** Where the driver keeps its alarm (a Durable Object's storage). */
export interface AlarmClock {
  setAlarm(time: number): Promise<void>;
}

/** Options of {@link AlarmDriver}. */
export interface AlarmDriverOptions {
  readonly alarms: AlarmClock;
  /** Sends what the slices produced (data to peers, messages to the JobManager). */
  readonly flush: () => Promise<void>;
  /** Rounds of `step()` per executor per slice (default 64). */
  readonly roundsPerSlice?: number;
  /**
   * Wall time one alarm spends before it yields to the next one, ms (default 200). workerd's
   * clock moves across I/O, which the driver does between slices.
   */
  readonly budgetMs?: number;
  readonly now?: () => number;
}

interface Driven {
  readonly executor: TaskExecutor;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** opening: `open()` runs; stepping: slices step it; ending: `run()` takes it to its end. */
  phase: "opening" | "stepping" | "ending";
}

/** Steps executors in slices from alarms (see the module comment). */
export class AlarmDriver {
  private readonly driven = new Set<Driven>();
  private running = false;
  private again = false;
  /** The alarm this driver armed and that has not fired yet. */
  private armedAt: number | undefined;
  /**
   * The time of the last alarm that fired (at most). workerd deletes the alarm it ran once the
   * handler's event ends unless the alarm was set to another time: a wake-up just after the
   * handler returned that set the very same millisecond was lost, and with it every later
   * wake-up, which took the lost alarm for a pending one.
   */
  private firedAt = -Infinity;
  private readonly watched = new WeakSet<Promise<unknown>>();
  private readonly rounds: number;
  private readonly budgetMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AlarmDriverOptions) {
    this.rounds = options.roundsPerSlice ?? 64;
    this.budgetMs = options.budgetMs ?? 200;
    this.now = options.now ?? Date.now;
  }

  /** Executors running here. */
  get size(): number {
    return this.driven.size;
  }

  /** Runs `executor` to its end (TaskManagerHost.drive). */
  drive(executor: TaskExecutor): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const d: Driven = { executor, resolve, reject, phase: "opening" };
      this.driven.add(d);
      executor.open().then(
        () => {
          d.phase = "stepping";
          this.wake();
        },
        (error: unknown) => {
          executor.status = "FAILED";
          executor.failureCause = error;
          d.phase = "stepping";
          this.wake();
        },
      );
    });
  }

  /** Something may have work (data, a message, output to send): run soon. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.arm(this.now());
  }

  /** The object's alarm fired. */
  async alarm(): Promise<void> {
    // An alarm armed before a restart fired at or before now.
    this.firedAt = this.armedAt ?? this.now();
    this.armedAt = undefined;
    await this.run();
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const started = this.now();
    try {
      for (;;) {
        this.again = false;
        let progressed = false;
        for (const d of [...this.driven]) if (this.slice(d)) progressed = true;
        await this.options.flush();
        if (!progressed && !this.again) {
          await this.armForNext();
          // Work that became possible while the alarm was being set (a source's records, a
          // rate-held source's next token) woke a driver that was still running: go on now,
          // within the same budget.
          if (!this.again) break;
        }
        if (this.now() - started >= this.budgetMs) {
          // More to do: a fresh alarm, so no single event runs without bound.
          await this.arm(this.now());
          return;
        }
        // Let messages from other objects in between slices.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.running = false;
    }
  }

  /** One slice of one executor; whether it did anything. */
  private slice(d: Driven): boolean {
    if (d.phase !== "stepping") return false;
    const ex = d.executor;
    if (ex.status !== "RUNNING" || ex.isFinished()) {
      this.end(d);
      return true;
    }
    let progressed = false;
    try {
      for (let i = 0; i < this.rounds && ex.status === "RUNNING"; i++) {
        if (!ex.step()) break;
        progressed = true;
        if (ex.isFinished()) break;
      }
    } catch (error) {
      ex.status = "FAILED";
      ex.failureCause = error;
    }
    if (ex.status !== "RUNNING") {
      this.end(d);
      return true;
    }
    return progressed;
  }

  /** `run()` of an executor that finished, failed or was cancelled does what remains, then closes it. */
  private end(d: Driven): void {
    d.phase = "ending";
    d.executor.run().then(d.resolve, d.reject).finally(() => {
      this.driven.delete(d);
      this.wake();
    });
  }

  /** Arms the alarm for the earliest timer, and wakes when a source or operator becomes able to go on. */
  private async armForNext(): Promise<void> {
    let next: number | undefined;
    for (const d of this.driven) {
      if (d.phase !== "stepping") continue;
      const due = d.executor.scheduler.nextDue();
      if (due !== undefined && (next === undefined || due < next)) next = due;
      for (const t of d.executor.tasks) {
        const w = t.waitingOn();
        if (w === undefined || this.watched.has(w)) continue;
        this.watched.add(w);
        const again = (): void => this.wake();
        w.then(again, again);
      }
    }
    if (next !== undefined) await this.arm(next);
  }

  private async arm(at: number): Promise<void> {
    // Never the time of the alarm that fired (see firedAt); a time in the past fires at once anyway.
    const time = Math.max(at, this.firedAt + 1);
    if (this.armedAt !== undefined && this.armedAt <= time) return;
    this.armedAt = time;
    await this.options.alarms.setAlarm(time);
  }
}
