import { describe, expect, it } from "vitest";
import { ExecContext } from "../lib/context.js";
import { dumpStackLines, printTainted, TAINT_BAD_PAGE, TAINT_TEST } from "./dump-stack.js";

describe("dump_stack (lib/dump_stack.c, arm64 dump_backtrace)", () => {
  it("print_tainted: 'Not tainted', or one column per flag with 'G' for a GPL kernel", () => {
    expect(printTainted(0)).toBe("Not tainted");
    // Flags 0..18: G, then F S R M blank, B, then U..T blank (12), N.
    expect(printTainted((1 << TAINT_BAD_PAGE) | (1 << TAINT_TEST))).toBe("Tainted: G    B            N");
    expect(printTainted(1 << TAINT_BAD_PAGE)).toBe("Tainted: G    B             ");
  });

  it("the task line, hardware name and call trace led by dump_backtrace/show_stack/dump_stack_lvl", () => {
    const ctx = new ExecContext(1);
    const ks = ctx.kallsyms;
    const f = ks.callSite("my_fn", "x", "my_mod");
    const lines = dumpStackLines({ cpu: 1, pid: 96, comm: "kworker/u8:1", taint: 1 << TAINT_BAD_PAGE, frames: [f] }, ks, { release: "6.12.117", version: "#1" });
    expect(lines).toEqual([
      "CPU: 1 UID: 0 PID: 96 Comm: kworker/u8:1 Tainted: G    B              6.12.117 #1",
      "Hardware name: linux,dummy-virt (DT)",
      "Call trace:",
      " " + ks.format(ks.callSite("dump_backtrace", "arch_stack_walk")),
      " " + ks.format(ks.callSite("show_stack", "dump_backtrace")),
      " " + ks.format(ks.callSite("dump_stack_lvl", "show_stack")),
      " " + ks.format(f),
    ]);
    expect(lines[6]).toMatch(/^ my_fn\+0x[0-9a-f]+\/0x[0-9a-f]+ \[my_mod\]$/);
  });
});
