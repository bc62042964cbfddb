/** `kasan-sim policies [--json]`: the tagging policies and presets, with the seed each models. */
import type { Command } from "commander";
import { POLICY_INFO } from "../../policy/policies.js";

export function register(program: Command): void {
  program
    .command("policies")
    .description("list the tagging policies (seed patches and reviewers' alternatives) and presets")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      if (opts.json === true) {
        process.stdout.write(JSON.stringify({ policies: POLICY_INFO }, null, 2) + "\n");
        return;
      }
      for (const p of POLICY_INFO) {
        process.stdout.write(`${p.name}\n  models: ${p.seed}\n  ${p.description}\n`);
      }
    });
}
