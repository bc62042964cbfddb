import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { register, type RunIo } from "./run.js";

const FILES: Record<string, string> = {
  "oob.yaml": "name: oob-write-after-kmalloc\nsteps:\n  - {op: kmalloc, size: 123, as: p}\n  - {op: write, ptr: p, offset: 123, size: 1}\n  - {op: kfree, ptr: p}\n",
  "oob112.yaml": "name: oob\nsteps:\n  - {op: kmalloc, size: 100, as: p}\n  - {op: write, ptr: p, offset: 112, size: 1}\n",
  "typo.yaml": "name: t\nsteps:\n  - {op: kmalloc, size: 8, as: p}\n  - {op: wrte, ptr: p, size: 1}\n",
  "syntax.yaml": "name: t\nsteps: [\n",
  "hw.config": "CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\n",
  "twice.config": "CONFIG_KASAN=y\nCONFIG_NR_CPUS=4\nCONFIG_NR_CPUS=8\n",
  "pair.yaml": "name: pair\nsteps:\n  - {op: kmalloc, size: 8, as: p}\n  - {op: kfree, ptr: p}\n",
  "scs-off.config": "CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n# CONFIG_SHADOW_CALL_STACK is not set\n",
};

/** Run `kasan-sim run …` through commander as main.ts does: exit 0, or 2 for InputError/usage. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: RunIo = {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readFile: (p) => {
      const t = FILES[p];
      if (t === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
      return t;
    },
  };
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  register(program, io);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(["run", ...args], { from: "user" });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out, err };
    if (e instanceof InputError) return { code: 2, out, err: err + `kasan-sim: ${e.message}\n` };
    throw e;
  }
}

describe("kasan-sim run", () => {
  it("prints the report in kernel text and exits 0 (generic catches kmalloc(123)+123)", async () => {
    const r = await cli(["oob.yaml", "--mode", "generic"]);
    expect(r.code).toBe(0);
    // The kernel's report: header, access line naming the task, and the region line.
    expect(r.out).toMatch(/^={66}\nBUG: KASAN: slab-out-of-bounds in oob_write_after_kmalloc\+0x[0-9a-f]+\/0x[0-9a-f]+\n/);
    expect(r.out).toMatch(/\nWrite of size 1 at addr ffff0000[0-9a-f]{6}7b by task scenario\/100\n/);
    expect(r.out).toContain(" allocated 123-byte region [");
    expect(r.err).toBe("kasan-sim: oob-write-after-kmalloc: 3 of 3 steps run, 1 report (mode generic, seed 1)\n");
  });

  it("prints nothing on stdout when no report happens (hw_tags: 123 rounds up to 128)", async () => {
    const r = await cli(["oob.yaml", "--config", "hw.config"]);
    expect([r.code, r.out]).toEqual([0, ""]);
    expect(r.err).toContain("0 reports (mode hw_tags, seed 1)");
  });

  it("--json gives {reports, counters, …}", async () => {
    const r = await cli(["oob.yaml", "--mode", "generic", "--json", "--seed", "3"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["scenario", "mode", "seed", "reports", "counters", "steps", "panic", "bug", "warnings"]);
    expect(j).toMatchObject({ scenario: "oob-write-after-kmalloc", mode: "generic", seed: 3, panic: null, bug: null, warnings: [] });
    const reports = j.reports as Record<string, unknown>[];
    expect(reports).toHaveLength(1);
    // 1-byte write at p+123 of a kmalloc-128 object.
    expect(reports[0]).toMatchObject({ step: 2, bugType: "slab-out-of-bounds", type: "access", access: "write", size: 1, pointerTag: null, memoryTag: null, object: { cache: "kmalloc-128", cacheSize: 128 } });
    expect(reports[0].address).toMatch(/^ffff0000[0-9a-f]{6}7b$/);
    expect(typeof reports[0].text).toBe("string");
    const counters = j.counters as Record<string, number>;
    expect(counters.reports).toBe(1);
    expect(counters.shadowChecks).toBeGreaterThanOrEqual(1);
    expect((j.steps as unknown[]).length).toBe(3);
  });

  it("--json with hw_tags prints no access size (the kernel's 'Write at addr')", async () => {
    const r = await cli(["oob112.yaml", "--mode", "hw_tags", "--json"]);
    // kmalloc(100): granules [112, 128) carry 0xFE, so the write at +112 faults.
    const [rep] = (JSON.parse(r.out) as { reports: Record<string, unknown>[] }).reports;
    expect(rep).toMatchObject({ step: 2, bugType: "slab-out-of-bounds", access: "write", size: null, memoryTag: "fe" });
    expect(rep.pointerTag).toMatch(/^f[0-9a-d]$/);
    expect(rep.text).toContain("Write at addr ");
  });

  it(".config notes go to stderr in text mode and into warnings with --json", async () => {
    const r = await cli(["oob.yaml", "--config", "twice.config"]);
    expect(r.err).toContain("kasan-sim: note: twice.config:3: CONFIG_NR_CPUS set again (first at line 2); the later value 8 wins\n");
    const j = await cli(["oob.yaml", "--config", "twice.config", "--json"]);
    expect((JSON.parse(j.out) as { warnings: string[] }).warnings).toEqual(["twice.config:3: CONFIG_NR_CPUS set again (first at line 2); the later value 8 wins"]);
  });

  it("a malformed scenario exits 2 with the file, line, step and field", async () => {
    const r = await cli(["typo.yaml"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^kasan-sim: typo\.yaml:4: step 2: field "op": unknown operation "wrte" \(expected one of /);
    const s = await cli(["syntax.yaml"]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/^kasan-sim: syntax\.yaml:3:1: YAML syntax error: /);
  });

  it("a missing file, a bad --mode or a bad .config exits 2", async () => {
    expect(await cli(["nope.yaml"])).toMatchObject({ code: 2, err: 'kasan-sim: cannot read scenario "nope.yaml": no such file\n' });
    expect(await cli(["oob.yaml", "--mode", "kasan"])).toMatchObject({ code: 2, err: 'kasan-sim: --mode: expected one of generic, sw_tags, hw_tags, off, got "kasan"\n' });
    expect(await cli(["oob.yaml", "--config", "none.config"])).toMatchObject({ code: 2, err: 'kasan-sim: --config: cannot read "none.config": no such file\n' });
    expect((await cli([])).code).toBe(2);
  });

  it("--help exits 0 and lists the kernel options", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    for (const o of ["--config", "--mode", "--cmdline", "--seed", "--json"]) expect(r.out).toContain(o);
  });

  describe("--stacks / --stack-depot: seed 004's stack collection flavours", () => {
    type Stk = Record<"stackTracesSaved" | "framesUnwound" | "framesCopiedScs" | "stackTracesSavedNoscs" | "depotInserts", number>;
    async function stackCounts(args: string[]): Promise<Stk> {
      const r = await cli(["pair.yaml", "--json", ...args]);
      expect(r.code).toBe(0);
      const c = (JSON.parse(r.out) as { counters: Stk }).counters;
      return { stackTracesSaved: c.stackTracesSaved, framesUnwound: c.framesUnwound, framesCopiedScs: c.framesCopiedScs, stackTracesSavedNoscs: c.stackTracesSavedNoscs, depotInserts: c.depotInserts };
    }
    // pair.yaml is kmalloc(8) then kfree. The scenario's task runs ret_from_fork → kthread → pair(),
    // so the call chain below the allocator is 3 return addresses. Above it, kasan_save_stack()
    // sees (src/kasan/stack/sites.ts), Generic:
    //   kmalloc: kasan_save_stack, kasan_save_track, __kasan_kmalloc, __kmalloc_cache_noprof = 4 → 7 entries
    //   kfree:   kasan_save_stack, kasan_save_track, kasan_save_free_info, __kasan_slab_free, kfree = 5 → 8 entries
    // hw_tags has no kasan_save_track frame (tags.c inlines save_stack_info): kmalloc 4 + 3 = 7, kfree 4 + 3 = 7.
    // The unwinder visits one frame record more than it stores (stack_trace_save's own, skipped);
    // the SCS copy touches exactly the slots it stores. Two traces, two new depot records.
    it("unwinder (default): Generic unwinds (7+1) + (8+1) = 17 frames, copies none", async () => {
      expect(await stackCounts(["--mode", "generic"])).toEqual({ stackTracesSaved: 2, framesUnwound: 17, framesCopiedScs: 0, stackTracesSavedNoscs: 0, depotInserts: 2 });
    });

    it("scs: the same traces copied from the Shadow Call Stack, 7 + 8 = 15 slots, nothing unwound", async () => {
      expect(await stackCounts(["--mode", "generic", "--stacks", "scs"])).toEqual({ stackTracesSaved: 2, framesUnwound: 0, framesCopiedScs: 15, stackTracesSavedNoscs: 0, depotInserts: 2 });
      // hw_tags: 7 + 7 = 14 slots (vs (7+1) + (7+1) = 16 frames unwound).
      expect(await stackCounts(["--mode", "hw_tags", "--stacks", "scs"])).toMatchObject({ framesUnwound: 0, framesCopiedScs: 14 });
      expect(await stackCounts(["--mode", "hw_tags"])).toMatchObject({ framesUnwound: 16, framesCopiedScs: 0 });
    });

    it("scs-noscs: the same copies, both traces also counted as __noscs ones", async () => {
      expect(await stackCounts(["--mode", "generic", "--stacks", "scs-noscs"])).toEqual({ stackTracesSaved: 2, framesUnwound: 0, framesCopiedScs: 15, stackTracesSavedNoscs: 2, depotInserts: 2 });
    });

    it("none saves no traces; --stack-depot off collects both but saves neither", async () => {
      expect(await stackCounts(["--mode", "generic", "--stacks", "none"])).toEqual({ stackTracesSaved: 0, framesUnwound: 0, framesCopiedScs: 0, stackTracesSavedNoscs: 0, depotInserts: 0 });
      expect(await stackCounts(["--mode", "generic", "--stack-depot", "off"])).toEqual({ stackTracesSaved: 2, framesUnwound: 17, framesCopiedScs: 0, stackTracesSavedNoscs: 0, depotInserts: 0 });
    });

    it("scs with a .config lacking SHADOW_CALL_STACK falls back to the unwinder (17 frames) and notes it", async () => {
      expect(await stackCounts(["--config", "scs-off.config", "--stacks", "scs"])).toMatchObject({ framesUnwound: 17, framesCopiedScs: 0 });
      const r = await cli(["pair.yaml", "--config", "scs-off.config", "--stacks", "scs"]);
      expect(r.err).toContain("kasan-sim: note: scs-off.config: --stacks scs without CONFIG_SHADOW_CALL_STACK: stack_trace_save_shadow() returns -ENOSYS and KASAN falls back to the unwinder\n");
    });

    it("bad values exit 2 naming the option and the accepted values", async () => {
      expect(await cli(["pair.yaml", "--stacks", "fp"])).toMatchObject({ code: 2, err: 'kasan-sim: --stacks: expected one of unwinder, scs, scs-noscs, none, got "fp"\n' });
      expect(await cli(["pair.yaml", "--stack-depot", "yes"])).toMatchObject({ code: 2, err: 'kasan-sim: --stack-depot: expected on or off, got "yes"\n' });
    });
  });
});
