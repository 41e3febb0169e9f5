import { describe, expect, it } from "vitest";
import { EddyError } from "../errors.ts";
import { ValueStateDescriptor } from "../state/types.ts";
import { OperatorTestHarness } from "../testing/operator-test-harness.ts";
import type { Timer } from "../time/types.ts";
import type { OperatorContext, StreamOperator } from "./operator.ts";

function catchError(fn: () => unknown): EddyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EddyError);
    return e as EddyError;
  }
  throw new Error("expected an error");
}

const mapOp = (fn: (v: number) => number): StreamOperator<number, number> => {
  let ctx: OperatorContext<number>;
  return {
    setup: (c) => void (ctx = c),
    processElement: (v, ts) => ctx.output.collect(fn(v), ts),
  };
};

describe("OperatorHost", () => {
  it("wraps an error thrown by user code with the operator's name", async () => {
    const h = new OperatorTestHarness(
      mapOp(() => {
        throw new TypeError("cannot read x of undefined");
      }),
      { name: "Map(parse)" },
    );
    await h.open();
    const err = catchError(() => h.processElement(1, 0));
    expect(err.code).toBe("USER_FUNCTION_FAILED");
    expect(err.domain).toBe("user");
    expect(err.operator).toBe("Map(parse)");
    expect(err.message).toMatch(/^\[eddy\] operator "Map\(parse\)" failed in processElement: cannot read x of undefined/);
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it("names the operator when a key selector returns a non-primitive or throws", async () => {
    const h = new OperatorTestHarness(mapOp((v) => v), {
      name: "KeyedProcess(count)",
      keySelector: (v: number) => (v > 0 ? (undefined as unknown as string) : (null as unknown as string).length),
    });
    await h.open();
    const undef = catchError(() => h.processElement(1, 0));
    expect(undef.code).toBe("INVALID_KEY");
    expect(undef.message).toContain('"KeyedProcess(count)"');
    expect(undef.message).toContain("returned undefined");
    expect(undef.operator).toBe("KeyedProcess(count)");
    const threw = catchError(() => h.processElement(-1, 0));
    expect(threw.code).toBe("USER_FUNCTION_FAILED");
    expect(threw.message).toContain("the key selector");
  });

  it("adds the operator's name to Eddy errors that lack one", async () => {
    const op: StreamOperator<number, number> = {
      processElement: () => {
        throw new EddyError("[eddy] something specific", { code: "X", domain: "external" });
      },
    };
    const h = new OperatorTestHarness(op, { name: "Sink(kafka)" });
    await h.open();
    const err = catchError(() => h.processElement(1));
    expect(err.code).toBe("X");
    expect(err.domain).toBe("external");
    expect(err.operator).toBe("Sink(kafka)");
    expect(err.message).toBe('[eddy] something specific (in operator "Sink(kafka)")');
  });

  it("refuses keyed state on a non-keyed stream", async () => {
    const op: StreamOperator<number, number> = {
      setup: (ctx) => void ctx.getState(new ValueStateDescriptor("v")),
      processElement: () => {},
    };
    await expect(new OperatorTestHarness(op, { name: "Map(x)" }).open()).rejects.toThrow(/"Map\(x\)" asked for keyed state "v" .* keyBy/);
  });

  it("fires event-time timers before forwarding the watermark, and lets operators take over forwarding", async () => {
    let ctx: OperatorContext<string>;
    const op: StreamOperator<number, string> = {
      setup: (c) => void (ctx = c),
      processElement: (v) => ctx.keyed!.timers.registerEventTimeTimer(0, v),
      onEventTime: (t: Timer) => ctx.output.collect(`fired ${String(t.key)}@${t.timestamp} wm=${ctx.currentWatermark()}`, t.timestamp),
    };
    const h = new OperatorTestHarness(op, { keySelector: (v: number) => v % 2 });
    await h.open();
    h.processElement(5);
    h.processElement(8);
    h.processWatermark(6);
    expect(h.events).toEqual([
      { kind: "record", value: "fired 1@5 wm=6", timestamp: 5 },
      { kind: "watermark", timestamp: 6 },
    ]);
    expect(h.host.currentWatermark).toBe(6);

    const swallow: StreamOperator<number, number> = { processElement: () => {}, processWatermark: () => {} };
    const h2 = new OperatorTestHarness(swallow);
    await h2.open();
    h2.processWatermark(10);
    expect(h2.watermarks).toEqual([]);
  });

  it("routes the two inputs of a connected keyed stream through their own key selectors", async () => {
    let ctx: OperatorContext<string>;
    const op: StreamOperator<{ a?: string; b?: string }, string> = {
      setup: (c) => void (ctx = c),
      processElement: (_v, _ts, input) => ctx.output.collect(`${input}:${String(ctx.keyed!.getCurrentKey())}`, 0),
    };
    const h = new OperatorTestHarness(op, {
      keySelector: (v: { a: string }) => v.a,
      keySelector2: (v: { b: string }) => v.b,
    });
    await h.open();
    h.processElement({ a: "x" });
    h.processElement2({ b: "y" });
    expect(h.outputValues()).toEqual(["0:x", "1:y"]);
  });

  it("fires processing-time timers as the harness clock advances", async () => {
    let ctx: OperatorContext<string>;
    const op: StreamOperator<string, string> = {
      setup: (c) => void (ctx = c),
      processElement: (v) => ctx.keyed!.timers.registerProcessingTimeTimer("ns", ctx.processingTime.clock.now() + 100),
      onProcessingTime: (t) => ctx.output.collect(`${String(t.key)}@${t.timestamp}`, Number.NaN),
    };
    const h = new OperatorTestHarness(op, { keySelector: (v: string) => v, startTime: 1_000 });
    await h.open();
    h.processElement("a");
    h.setProcessingTime(1_050);
    h.processElement("b");
    h.setProcessingTime(1_100);
    expect(h.outputValues()).toEqual(["a@1100"]);
    h.setProcessingTime(2_000);
    expect(h.outputValues()).toEqual(["a@1100", "b@1150"]);
    await h.close();
  });

  it("snapshots operator state and the operator's own data; redistributes operator state round-robin on rescale", async () => {
    const make = (): StreamOperator<number, number> & { restored?: unknown } => {
      let ctx: OperatorContext<number>;
      const op: StreamOperator<number, number> & { restored?: unknown } = {
        setup: (c) => void (ctx = c),
        processElement: (v) => ctx.operatorState.getListState<number>("offsets").add(v),
        snapshotState: (c) => ({ checkpoint: c.checkpointId }),
        initializeState: (restored) => void (op.restored = restored),
      };
      return op;
    };
    const old = await Promise.all(
      [0, 1].map(async (i) => {
        const h = new OperatorTestHarness(make(), { parallelism: 2, subtaskIndex: i });
        await h.open();
        return h;
      }),
    );
    [1, 2, 3].forEach((v) => old[0]!.processElement(v));
    [4, 5].forEach((v) => old[1]!.processElement(v));
    const snaps = await Promise.all(old.map((h) => h.snapshot(7)));
    expect(snaps[0]!.custom).toEqual({ checkpoint: 7 });
    expect(snaps[0]!.keyed).toBeUndefined();

    // Same parallelism: each subtask gets its own list and its own custom snapshot back.
    const same = make();
    const h1 = await OperatorTestHarness.restore(same, snaps, { parallelism: 2, subtaskIndex: 1 });
    expect(h1.host.context.operatorState.getListState<number>("offsets").get()).toEqual([4, 5]);
    expect(same.restored).toEqual({ checkpoint: 7 });

    // Rescaled to 3: round-robin over the concatenation [1, 2, 3, 4, 5].
    const lists = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const h = await OperatorTestHarness.restore(make(), snaps, { parallelism: 3, subtaskIndex: i });
        return h.host.context.operatorState.getListState<number>("offsets").get();
      }),
    );
    expect(lists).toEqual([
      [1, 4],
      [2, 5],
      [3],
    ]);
  });

  it("forwards the operator's pending promise", async () => {
    let resolve!: () => void;
    const op: StreamOperator<number, number> & { pending?: Promise<void> } = {
      processElement: () => {
        op.pending = new Promise<void>((r) => (resolve = r));
      },
    };
    const h = new OperatorTestHarness(op);
    await h.open();
    expect(h.host.pending).toBeUndefined();
    h.processElement(1);
    expect(h.host.pending).toBeInstanceOf(Promise);
    resolve();
    await h.host.pending;
  });
});
