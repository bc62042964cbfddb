import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { register } from "./coverage.js";

/** Run `kasan-sim coverage …` the way main() does: exit 0, or 2 for bad input. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const program = new Command().exitOverride();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  register(program, { stdout: (s) => (out += s), stderr: (s) => (err += s), stderrIsTty: false });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(["coverage", ...args], { from: "user" });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out, err };
    if (e instanceof InputError) return { code: 2, out, err: err + e.message };
    throw e;
  }
}

describe("kasan-sim coverage", () => {
  it("exits 0 and prints the JSON shape", async () => {
    const r = await cli(["--policy", "seed-series", "--mode", "hw_tags", "--seeds", "1", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { workload: { policy: string; entries: number }; mode: string; differences: { id: string }[] };
    // 72 KUnit cases + 20 scenario and claim entries (5 stack, 4 page-table, 3 vmalloc, 8 claims).
    expect(j.workload).toMatchObject({ name: "coverage", policy: "seed-series", entries: 92 });
    expect(j.mode).toBe("hw_tags");
    expect(j.differences.map((d) => d.id)).toContain("vmalloc.highuser-oob");
  });

  it("exits 2 on bad input, naming the option", async () => {
    expect(await cli(["--policy", "bogus"])).toMatchObject({ code: 2, err: expect.stringContaining('--policy: policy: unknown policy "bogus"') });
    expect(await cli(["--policy", "seed-series", "--mode", "off"])).toMatchObject({ code: 2, err: expect.stringContaining("--mode") });
    expect(await cli(["--policy", "seed-series", "--mode", "kasan"])).toMatchObject({ code: 2, err: expect.stringContaining("--mode: expected one of") });
    expect(await cli(["--policy", "seed-series", "--seeds", "0"])).toMatchObject({ code: 2, err: expect.stringContaining("--seeds") });
    expect(await cli(["--policy", "seed-series", "--seeds", "65"])).toMatchObject({ code: 2, err: expect.stringContaining("at most 64") });
    expect(await cli(["--policy", "seed-series", "--seed", "x"])).toMatchObject({ code: 2, err: expect.stringContaining("--seed") });
    // Missing --policy: commander's own error, exit 2 through main().
    expect((await cli([])).code).toBe(2);
  });

  it("--help exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--policy <list>");
  });
});
