// The KASAN KUnit suite (72 cases) per mode: wall time of boot + suite, against the issue's
// target of 10 s per mode. Reports are formatted in full (as the CLI prints them).
import { bootKernel } from "../dist/kernel/kernel.js";
import { runKasanKunit } from "../dist/workloads/kunit/index.js";

export async function bench(report) {
  for (const [mode, cmdline] of [["generic", ""], ["sw_tags", ""], ["hw_tags", ""], ["hw_tags", "kasan.mode=async"]]) {
    const t0 = performance.now();
    const k = bootKernel({ mode, cmdline, seed: 1 });
    const r = runKasanKunit(k, {});
    const s = (performance.now() - t0) / 1000;
    const label = cmdline === "" ? mode : `${mode} ${cmdline}`;
    report({ name: `kunit: ${label}, 72 cases (pass ${r.counts.pass}, skip ${r.counts.skip}, fail ${r.counts.fail})`, value: s, unit: "s", target: 10, better: "lower" });
  }
}
