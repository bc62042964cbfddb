/** `kasan-sim demo`: allocate tagged memory and show a tag-check fault (see workloads/demo.ts). */
import type { Command } from "commander";
import { formatPx } from "../../arch/pointer.js";
import { runDemo } from "../../workloads/demo.js";
import { parseMode, parseSeed } from "../options.js";
import type { KasanReportEvent } from "../../kasan/report/event.js";

export function register(program: Command): void {
  program
    .command("demo")
    .description("allocate tagged memory, show its tags, and trigger a tag-check fault (out-of-bounds) and a use-after-free")
    .option("--mode <mode>", "KASAN mode: generic, sw_tags, hw_tags or off", "hw_tags")
    .option("--cmdline <params>", "kernel command line (boot parameters)", "")
    .option("--seed <n>", "seed of every random choice", "1")
    .option("--json", "print the steps, reports and counters as JSON")
    .action((opts: { mode: string; cmdline: string; seed: string; json?: boolean }) => {
      const result = runDemo(parseMode(opts.mode), parseSeed(opts.seed), opts.cmdline);
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + "\n");
        return;
      }
      const out: string[] = [];
      out.push(`kasan-sim demo — mode ${result.mode}, seed ${result.seed}`);
      out.push("");
      out.push(`kmalloc(${result.objectSize}) is served by ${result.cache}; pointer tag ${hex(result.pointerTag)}`);
      if (result.memoryTags.length > 0) {
        out.push(`memory tags of its 16-byte granules (+ the next one): ${result.memoryTags.map(hex).join(" ")}`);
      }
      out.push("");
      for (const s of result.steps) {
        const verdict = s.reports.length === 0 ? "no report" : s.reports.map((i) => describe(result.reports[i])).join("; ");
        out.push(`  ${s.what.padEnd(52)} ${s.ptr}  → ${verdict}`);
      }
      for (const text of result.reportText) {
        out.push("");
        out.push(...text);
      }
      out.push("");
      const c = result.counters;
      out.push(`counters: irg ${c.irg}, stg ${c.stg}, stzg ${c.stzg}, dc gva ${c.dcGva}, dc gzva ${c.dcGzva}, granules tagged ${c.granulesTagged}, tag checks ${c.tagChecks}, shadow checks ${c.shadowChecks}, reports ${result.reports.length}`);
      process.stdout.write(out.join("\n") + "\n");
    });
}

function hex(v: number): string {
  return v.toString(16).padStart(2, "0");
}

function describe(r: KasanReportEvent): string {
  return `KASAN ${r.bugType} (${r.type === "access" ? (r.isWrite ? "write" : "read") : r.type} at ${formatPx(r.accessAddr)})`;
}
