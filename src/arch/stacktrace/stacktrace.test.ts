import { describe, expect, it } from "vitest";
import { ExecContext } from "../../lib/context.js";
import { EL1_IRQ_ENTRY_PATH, inIrqentryText, interruptedFrameIndices, runInIrq } from "./irq-entry.js";
import { stackTraceSaveShadow } from "./scs.js";
import { stackTraceSaveUnwind, stackTraceSaveUnwindEntries, unwindFramesVisited } from "./unwind.js";
import fc from "fast-check";

describe("arm64 stack trace collection: frame-pointer unwinder vs Shadow Call Stack copy", () => {
  it("unwinder, entries-only form: same entries as the full walk, frames visited = entries + 1, capped by size", () => {
    const ip = fc.integer({ min: 1, max: 2 ** 40 });
    fc.assert(
      fc.property(fc.array(ip, { maxLength: 8 }), fc.array(ip, { maxLength: 80 }), fc.integer({ min: 0, max: 64 }), (frames, stack, size) => {
        const a = new Float64Array(64);
        const b = new Float64Array(64);
        const w = stackTraceSaveUnwind(frames, stack, a, size);
        const n = stackTraceSaveUnwindEntries(frames, stack, b, size);
        expect(n).toBe(w.nrEntries);
        expect(n).toBe(Math.min(size, frames.length + stack.length));
        expect(unwindFramesVisited(n)).toBe(w.framesVisited);
        expect(Array.from(b.subarray(0, n))).toEqual(Array.from(a.subarray(0, n)));
      }),
    );
  });

  it("unwinder: entries innermost first, n + 1 frames visited (stack_trace_save's own frame skipped)", () => {
    const out = new Float64Array(64);
    const w = stackTraceSaveUnwind([100, 101], [1, 2, 3], out, 64);
    expect(Array.from(out.subarray(0, w.nrEntries))).toEqual([100, 101, 3, 2, 1]);
    // 5 entries + the skipped stack_trace_save frame.
    expect(w.framesVisited).toBe(6);
  });

  it("SCS copy: same entries, one slot copied per entry, no skipped frame", () => {
    const out = new Float64Array(64);
    const w = stackTraceSaveShadow([100, 101], [1, 2, 3], [], out, 64);
    expect(Array.from(out.subarray(0, w.nrEntries))).toEqual([100, 101, 3, 2, 1]);
    expect(w.framesVisited).toBe(5);
  });

  it("both stop at the buffer size (KASAN_STACK_DEPTH)", () => {
    const out = new Float64Array(64);
    const deep = Array.from({ length: 100 }, (_, i) => i);
    const u = stackTraceSaveUnwind([], deep, out, 64);
    // 64 stored + 1 skipped: the callback returns false once the buffer is full.
    expect([u.nrEntries, u.framesVisited]).toEqual([64, 65]);
    expect(stackTraceSaveShadow([], deep, [], out, 64)).toEqual({ nrEntries: 64, framesVisited: 64 });
  });

  it("IRQ blind spot: the SCS copy misses the interrupted function, the unwinder does not", () => {
    const ctx = new ExecContext(1);
    const ks = ctx.kallsyms;
    const caller = ks.callSite("task_caller", "task_fn");
    ctx.callStack.push(caller);
    const interruptedPc = ks.callSite("task_fn", "interrupted_here");
    runInIrq(ctx, interruptedPc, () => {
      const handler = ks.callSite("my_irq_handler", "kmalloc");
      ctx.call(handler, () => {
        expect(ctx.inIrq).toBe(true);
        const out = new Float64Array(64);
        const u = stackTraceSaveUnwind([], ctx.callStack, out, 64);
        const unwound = Array.from(out.subarray(0, u.nrEntries));
        const s = stackTraceSaveShadow([], ctx.callStack, interruptedFrameIndices(ctx), out, 64);
        const copied = Array.from(out.subarray(0, s.nrEntries));
        // Unwinder: handler, the 6 entry-path frames, the interrupted pc, the task's caller = 9.
        expect(unwound.length).toBe(1 + EL1_IRQ_ENTRY_PATH.length + 2);
        expect(unwound).toContain(interruptedPc);
        expect(copied).toEqual(unwound.filter((ip) => ip !== interruptedPc));
        expect(copied).toContain(caller);
      });
    });
    expect(ctx.inIrq).toBe(false);
    expect(ctx.callStack).toEqual([caller]);
    expect(interruptedFrameIndices(ctx)).toEqual([]);
  });

  it("gic_handle_irq is IRQ entry text (filter_irq_stacks cuts there)", () => {
    const ctx = new ExecContext(1);
    const ks = ctx.kallsyms;
    expect(inIrqentryText(ks, ks.callSite("gic_handle_irq", "handle_irq"))).toBe(true);
    expect(inIrqentryText(ks, ks.callSite("el1_interrupt", "x"))).toBe(false);
  });
});
