/**
 * `kasan-sim reproduce`: the seeds' tables side by side with the model (Markdown, --json, or one
 * SVG chart per table with --svg DIR). By default each table is priced with the profile of the
 * platform it was measured on (seed 001: arm64-hw, an MTE machine; seeds 003 and 004: qemu-tcg);
 * --profile prices every table with one profile.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { listProfiles, ProfileError, readProfile, type CostProfile } from "../../cost/cost-model.js";
import { formatMarkdown } from "../../workloads/reproduce/format-markdown.js";
import { reproduce } from "../../workloads/reproduce/reproduce.js";
import { tableChart } from "../../workloads/reproduce/table-chart.js";
import { InputError } from "../errors.js";
import { parseSeed } from "../options.js";

interface ReproduceCliOptions {
  profile?: string;
  json?: boolean;
  svg?: string;
  seed?: string;
  bootTrace?: string;
}

/** Default profile per table: the platform the seed measured on. */
export function defaultProfileName(tableId: string): string {
  return tableId.startsWith("seed-001") ? "arm64-hw" : "qemu-tcg";
}

function loadProfile(name: string): CostProfile {
  if (!listProfiles().includes(name)) throw new InputError(`--profile: expected one of ${listProfiles().join(", ")}, got "${name}"`);
  try {
    return readProfile(name);
  } catch (e) {
    if (e instanceof ProfileError) throw new InputError(e.message);
    throw e;
  }
}

async function run(o: ReproduceCliOptions): Promise<void> {
  const seed = o.seed === undefined ? 1 : parseSeed(o.seed);
  const cache = new Map<string, CostProfile>();
  const get = (name: string): CostProfile => {
    let p = cache.get(name);
    if (p === undefined) cache.set(name, (p = loadProfile(name)));
    return p;
  };
  if (o.profile !== undefined) get(o.profile);
  const tty = process.stderr.isTTY === true;
  const t0 = performance.now();
  const result = await reproduce({
    profileFor: (id) => get(o.profile ?? defaultProfileName(id)),
    seed,
    ...(o.bootTrace === undefined ? {} : { bootTrace: o.bootTrace }),
    progress: (what) => {
      if (tty) process.stderr.write(`reproduce [${((performance.now() - t0) / 1000).toFixed(1)} s] ${what}\n`);
    },
  });
  if (o.svg !== undefined) {
    try {
      mkdirSync(o.svg, { recursive: true });
      for (const t of result.tables) writeFileSync(join(o.svg, `${t.id}.svg`), tableChart(t));
    } catch (e) {
      throw new InputError(`--svg: cannot write charts into "${o.svg}": ${(e as Error).message}`);
    }
  }
  if (o.json === true) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  else process.stdout.write(formatMarkdown(result));
  if (o.svg !== undefined && o.json !== true) process.stdout.write(`\nCharts: ${result.tables.map((t) => join(o.svg as string, `${t.id}.svg`)).join(", ")}\n`);
}

export function register(program: Command): void {
  program
    .command("reproduce")
    .description("every table of the seeds (001 thread/pgtable, 003 boot time and Slab, 004 stack flavours), published vs the model's counts priced by a cost profile")
    .option("--profile <name>", "price every table with this profile (default: arm64-hw for seed 001, qemu-tcg for seeds 003/004)")
    .option("--json", "print the result as JSON")
    .option("--svg <dir>", "also write one SVG chart per table into this directory")
    .option("--seed <n>", "seed of every random choice (default 1)")
    .option("--boot-trace <file>", "replay this boot trace instead of the shipped one (plain or gzip)")
    .action(async (o: ReproduceCliOptions) => {
      await run(o);
    });
}
