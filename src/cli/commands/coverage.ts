/**
 * `kasan-sim coverage --policy P [--mode m] [--seeds n] [--seed s] [--stacks f] [--stack-depot on|off] [--json]`: run the bug catalog
 * (the KASAN KUnit suite plus issue 5's stack, page-table and __vmalloc(GFP_HIGHUSER_MOVABLE)
 * scenarios and the seed's claims) under baseline and under P in each mode (all three unless
 * --mode), and print which bugs each catches and where the two differ. Exit 0 on success, 2 on
 * bad input. A progress bar goes to stderr when it is a terminal.
 */
import type { Command } from "commander";
import { InputError } from "../errors.js";
import { addStackOptions, parseStackDepot, parseStacks } from "../kernel-options.js";
import { parseMode, parsePositiveInt, parseSeed } from "../options.js";
import { resolvePolicies } from "../../policy/policies.js";
import { buildCoverageJson } from "../../workloads/coverage/coverage-json.js";
import { formatCoverageText } from "../../workloads/coverage/coverage-text.js";
import { COVERAGE_MODES, runCoverage, type CoverageMode } from "../../workloads/coverage/run-coverage.js";

export interface CoverageCliOptions {
  policy?: string;
  mode?: string;
  seeds?: string;
  seed?: string;
  stacks?: string;
  stackDepot?: string;
  json?: boolean;
}

export interface CoverageIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stderrIsTty: boolean;
}

const PROCESS_IO: CoverageIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTty: process.stderr.isTTY === true,
};

/** Most seeds a run takes (each seed boots 2 kernels per entry and mode). */
export const MAX_SEEDS = 64;

export function register(program: Command, io: CoverageIo = PROCESS_IO): void {
  const cmd = program
    .command("coverage")
    .description("run the bug catalog (KUnit suite + stack/page-table/vmalloc scenarios + the seed's claims) under baseline and a policy, per mode, and list the differences")
    .requiredOption("--policy <list>", "policy or comma list to compare with baseline (see `kasan-sim policies`), e.g. seed-series")
    .option("--mode <mode>", "generic, sw_tags or hw_tags (default: all three)")
    .option("--seeds <n>", "seeds per entry (a tag coincidence shows as a chance below 100%)", "4")
    .option("--seed <n>", "first seed", "1");
  addStackOptions(cmd)
    .option("--json", "print JSON (report-json conventions)")
    .action((opts: CoverageCliOptions) => {
      coverageCommand(opts, io);
    });
}

/** The command's work: throws InputError on bad input. */
export function coverageCommand(opts: CoverageCliOptions, io: CoverageIo = PROCESS_IO): void {
  if (opts.policy === undefined) throw new InputError("--policy: expected a policy name or comma list (see `kasan-sim policies`)");
  try {
    resolvePolicies(opts.policy);
  } catch (e) {
    throw new InputError(`--policy: ${(e as Error).message}`);
  }
  let modes: CoverageMode[] = [...COVERAGE_MODES];
  if (opts.mode !== undefined) {
    const m = parseMode(opts.mode);
    if (m === "off") throw new InputError(`--mode: coverage needs a KASAN mode (generic, sw_tags or hw_tags), got "off"`);
    modes = [m];
  }
  const n = parsePositiveInt("--seeds", opts.seeds ?? "4");
  if (n > MAX_SEEDS) throw new InputError(`--seeds: expected at most ${MAX_SEEDS}, got ${n}`);
  const first = parseSeed(opts.seed ?? "1");
  if (first + n - 1 > 0xffffffff) throw new InputError(`--seed: seeds ${first}..${first + n - 1} go past 4294967295`);
  const seeds = Array.from({ length: n }, (_, i) => first + i);
  const stacks = parseStacks(opts.stacks);
  const stackDepot = parseStackDepot(opts.stackDepot);
  const progress = io.stderrIsTty
    ? (done: number, total: number): void => {
        const w = 30;
        const f = Math.round((w * done) / total);
        io.stderr(`\rcoverage [${"#".repeat(f)}${".".repeat(w - f)}] ${done}/${total}${done === total ? "\n" : ""}`);
      }
    : undefined;
  const r = runCoverage({ policy: opts.policy, modes, seeds, stacks, stackDepot, onProgress: progress });
  if (opts.json === true) io.stdout(JSON.stringify(buildCoverageJson(r), null, 2) + "\n");
  else io.stdout(formatCoverageText(r));
}
