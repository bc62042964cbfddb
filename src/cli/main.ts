#!/usr/bin/env node
/**
 * The kasan-sim command line: a thin face over the library. Each command lives in
 * commands/<name>.ts and registers itself here. Bad input exits 2 with a one-line message.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "./errors.js";
import { register as registerDemo } from "./commands/demo.js";
import { register as registerKunit } from "./commands/kunit.js";
import { register as registerReplay } from "./commands/replay.js";
import { register as registerRun } from "./commands/run.js";
import { register as registerBench } from "./commands/bench.js";
import { register as registerPolicies } from "./commands/policies.js";
import { register as registerCoverage } from "./commands/coverage.js";
import { register as registerReproduce } from "./commands/reproduce.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("kasan-sim")
    .description("An executable model of Arm MTE and Linux KASAN (generic, sw_tags, hw_tags) and the kernel allocator paths that tag memory (Linux 6.12, arm64, 4 KiB pages)")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerKunit(program);
  registerReplay(program);
  registerRun(program);
  registerBench(program);
  registerPolicies(program);
  registerCoverage(program);
  registerReproduce(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`kasan-sim: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// Output piped into a reader that stops early (`| head`): end quietly, as command-line tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const invokedDirectly = process.argv[1] !== undefined && /kasan-sim$|main\.[jt]s$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`kasan-sim: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
