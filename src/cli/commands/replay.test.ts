import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Command, CommanderError } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { shippedBootTracePath } from "../../workloads/boot/boot-trace.js";
import { InputError } from "../errors.js";
import { register } from "./replay.js";

const dir = mkdtempSync(join(tmpdir(), "kasan-sim-replay-cli-"));
let plain: string;
let gz: string;

beforeAll(() => {
  // The first 400 lines of the shipped boot trace: the 12-line header and 388 events.
  const head = gunzipSync(readFileSync(shippedBootTracePath())).toString("latin1").split("\n").slice(0, 400).join("\n") + "\n";
  plain = join(dir, "head.txt");
  gz = join(dir, "head.trace"); // gzip data under a name that does not say so
  writeFileSync(plain, head, "latin1");
  writeFileSync(gz, gzipSync(head));
});

/** Run `kasan-sim replay …` as main() does: exit 0, or 2 for bad input. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  register(program, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), stderrIsTty: false });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(["replay", ...args], { from: "user" });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out, err };
    if (e instanceof InputError) return { code: 2, out, err: err + `kasan-sim: ${e.message}\n` };
    throw e;
  }
}

type Doc = { workload: Record<string, unknown>; policies: { baseline: { total: Record<string, number>; memory: unknown; events: unknown } } };

describe("kasan-sim replay", () => {
  it("reads a gzip trace (recognised by its magic bytes) exactly as the plain one", async () => {
    const a = await cli([plain, "--mode", "generic", "--json"]);
    const b = await cli([gz, "--mode", "generic", "--json"]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const ja = JSON.parse(a.out) as Doc;
    const jb = JSON.parse(b.out) as Doc;
    expect(ja.workload).toMatchObject({ lines: 400, events: 388, stacks: "unwinder", stackDepot: true });
    expect({ ...jb.workload, trace: plain }).toEqual(ja.workload);
    expect(jb.policies).toEqual(ja.policies);
  });

  it("--stacks none replays the same allocations and saves no stack", async () => {
    const u = JSON.parse((await cli([gz, "--mode", "generic", "--json"])).out) as Doc;
    const n = JSON.parse((await cli([gz, "--mode", "generic", "--json", "--stacks", "none"])).out) as Doc;
    expect(n.workload).toMatchObject({ stacks: "none" });
    expect(u.policies.baseline.total.stackTracesSaved).toBeGreaterThan(0);
    expect([n.policies.baseline.total.stackTracesSaved, n.policies.baseline.total.depotInserts]).toEqual([0, 0]);
    expect(n.policies.baseline.total.slabAllocs).toBe(u.policies.baseline.total.slabAllocs);
    expect(n.policies.baseline.events).toEqual(u.policies.baseline.events);
  });

  it("bad input exits 2 with the file or option named", async () => {
    const truncated = join(dir, "truncated.gz");
    const whole = readFileSync(gz);
    writeFileSync(truncated, whole.subarray(0, whole.length >> 1));
    expect(await cli([truncated])).toMatchObject({ code: 2, err: `kasan-sim: ${truncated}: the gzip data is corrupt or truncated (unexpected end of file)\n` });
    expect(await cli([join(dir, "nope.txt")])).toMatchObject({ code: 2, err: `kasan-sim: ${join(dir, "nope.txt")}: cannot read the trace (no such file)\n` });
    expect(await cli([dir])).toMatchObject({ code: 2, err: `kasan-sim: ${dir}: not a regular file\n` });
    expect(await cli([gz, "--stacks", "frame-pointer"])).toMatchObject({ code: 2, err: 'kasan-sim: --stacks: expected one of unwinder, scs, scs-noscs, none, got "frame-pointer"\n' });
  });
});
