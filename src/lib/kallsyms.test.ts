import { describe, expect, it } from "vitest";
import { Kallsyms, defaultSymbolSize } from "./kallsyms.js";
import { ExecContext } from "./context.js";

describe("kallsyms", () => {
  it("formats %pS as name+0xoff/0xsize with the module in brackets", () => {
    const k = new Kallsyms();
    const id = k.sym("kmalloc_oob_right", 0x2c4, "kasan_test");
    expect(k.format(k.ip(id, 0x84))).toBe("kmalloc_oob_right+0x84/0x2c4 [kasan_test]");
    const b = k.sym("__kmalloc_cache_noprof", 0x1e0);
    expect(k.format(k.ip(b, 0x1a4))).toBe("__kmalloc_cache_noprof+0x1a4/0x1e0");
  });

  it("gives a symbol one id and deterministic sizes and call sites", () => {
    const a = new Kallsyms();
    const b = new Kallsyms();
    expect(a.sym("copy_process")).toBe(a.sym("copy_process"));
    expect(a.size(a.sym("copy_process"))).toBe(defaultSymbolSize("copy_process"));
    expect(a.format(a.callSite("copy_process", "dup_task_struct"))).toBe(b.format(b.callSite("copy_process", "dup_task_struct")));
    const size = defaultSymbolSize("copy_process");
    expect(size % 4).toBe(0);
    expect(size).toBeGreaterThanOrEqual(0x40);
    const off = a.offsetOf(a.callSite("copy_process", "x"));
    expect(off).toBeGreaterThan(0);
    expect(off).toBeLessThan(size);
  });

  it("rejects bad symbols", () => {
    const k = new Kallsyms();
    expect(() => k.sym("")).toThrow(/empty/);
    expect(() => k.sym("f", 0)).toThrow(/size of f/);
  });

  it("ExecContext.call pushes the return address only for the duration of the call", () => {
    const ctx = new ExecContext(1);
    const ip = ctx.kallsyms.callSite("kernel_clone", "copy_process");
    const seen = ctx.call(ip, () => [...ctx.callStack]);
    expect(seen).toEqual([ip]);
    expect(ctx.callStack).toEqual([]);
    expect(() => ctx.call(ip, () => { throw new Error("x"); })).toThrow("x");
    expect(ctx.callStack).toEqual([]);
  });
});
