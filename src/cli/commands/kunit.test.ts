/** `kasan-sim kunit`: KTAP or JSON on stdout, --filter, bad input as InputError (exit 2). */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { kunitCommand, register } from "./kunit.js";

function capture(): { out: string[]; err: string[]; io: { stdout: (s: string) => void; stderr: (s: string) => void; stderrIsTty: boolean } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), stderrIsTty: false } };
}

describe("kasan-sim kunit", () => {
  it("prints KTAP with the reports inline, no progress bar when stderr is not a terminal", () => {
    const c = capture();
    kunitCommand({ mode: "hw_tags", filter: "kasan.kmalloc_uaf" }, c.io);
    const text = c.out.join("");
    expect(text).toContain("    1..1\n");
    expect(text).toMatch(/BUG: KASAN: slab-use-after-free in kmalloc_uaf\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kasan_test\]\n/);
    expect(text).toContain("    ok 1 kmalloc_uaf\n# kasan: pass:1 fail:0 skip:0 total:1\n");
    expect(c.err.join("")).toBe("");
  });

  it("--json gives per-case status and the reports", () => {
    const c = capture();
    kunitCommand({ mode: "sw_tags", filter: "kasan.kmalloc_uaf3", json: true }, c.io);
    const j = JSON.parse(c.out.join("")) as { totals: { pass: number }; cases: { name: string; status: string; reports: { bugType: string }[] }[] };
    expect(j.totals.pass).toBe(1);
    expect(j.cases.map((x) => [x.name, x.status, x.reports.map((r) => r.bugType)])).toEqual([["kmalloc_uaf3", "ok", ["slab-use-after-free"]]]);
  });

  it("a skipped case carries its reason", () => {
    const c = capture();
    kunitCommand({ mode: "generic", filter: "kasan.page_alloc_oob_right", json: true }, c.io);
    const j = JSON.parse(c.out.join("")) as { cases: { status: string; skipReason: string }[] };
    expect(j.cases[0]).toMatchObject({ status: "skip", skipReason: "Test requires CONFIG_KASAN_GENERIC=n" });
  });

  it("bad options are InputErrors naming the option", () => {
    const c = capture();
    expect(() => kunitCommand({ mode: "bogus" }, c.io)).toThrow(InputError);
    expect(() => kunitCommand({ filter: "kasan." }, c.io)).toThrow(/--filter/);
    expect(() => kunitCommand({ seed: "x" }, c.io)).toThrow(/--seed/);
  });

  it("registers the command with its options", () => {
    const program = new Command();
    register(program, capture().io);
    const cmd = program.commands.find((x) => x.name() === "kunit");
    expect(cmd?.options.map((o) => o.long)).toEqual(["--config", "--mode", "--cmdline", "--seed", "--stacks", "--stack-depot", "--filter", "--json"]);
  });
});
