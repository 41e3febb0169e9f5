/**
 * Asynchronous writes of a sink in flight: the operator exposes `current` as its `pending`
 * promise (the task feeds no more input until it settles); the first failure is kept and
 * rethrown by `check`.
 */
export class PendingWrites {
  /** Settles when every tracked write has; undefined when none is in flight. */
  current: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  track(promise: Promise<void>): void {
    const next: Promise<void> = Promise.all([this.current, promise]).then(
      () => {
        if (this.current === next) this.current = undefined;
      },
      (error: unknown) => {
        this.failure ??= { error };
        if (this.current === next) this.current = undefined;
      },
    );
    this.current = next;
  }

  /** Throws the first failure of a tracked write, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for every write in flight, then throws the first failure, if any. */
  async drain(): Promise<void> {
    while (this.current !== undefined) await this.current;
    this.check();
  }
}
