#!/usr/bin/env node
// Counts the instructions alloc-costs.c executes per call of each allocator-path benchmark, by
// class (all, loads, stores, LSE atomics, barriers), from a QEMU instruction trace
// (`qemu-aarch64 -d in_asm,exec,nochain`: every translated block's disassembly and every block
// executed), attributing each block to the timed segment it ran in (seg_begin .. seg_end).
// The counts price the `arm64-hw` profile's allocator lines (issue and pipe throughput of a
// Neoverse V2-class core; see README.md). Writes `allocInsnCounts` into results.json.
// Usage: node bench/qemu/count-insns.mjs [--out FILE]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const CC = "aarch64-linux-gnu-gcc";
const CFLAGS = ["-O2", "-march=armv8.5-a+memtag", "-static"];

function fail(msg, code = 1) {
  console.error(`count-insns: ${msg}`);
  process.exit(code);
}
let out = join(HERE, "results.json");
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--help" || argv[i] === "-h") {
    console.log("usage: node bench/qemu/count-insns.mjs [--out FILE]   (default bench/qemu/results.json)");
    process.exit(0);
  } else if (argv[i] === "--out" && argv[i + 1]) out = resolve(argv[++i]);
  else fail(`unknown argument ${JSON.stringify(argv[i])} (try --help)`, 2);
}
const qemu = ["qemu-aarch64", "qemu-aarch64-static"].find((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status === 0);
if (!qemu) fail("qemu-aarch64 not found (run measure.mjs once: it installs the toolchain)");

// calls per occurrence of each segment (the accumulator names in alloc-costs.c's main loop)
const CALLS = {
  t_nop: 1024, t_pa: 1024, t_pf: 1024, t_rb: 64, t_fb: 64, t_s10: 32, t_m10: 32, t_s2: 32, t_m2: 32,
  t_sa: 512, t_sf: 512, t_ns: 64, t_ds: 64, t_kl: 64, t_vt: 1, t_vm: 1, t_vf: 1, t_p8m: 1, t_p1m: 1,
  t_p8p: 1, t_vp: 1, t_rcu: 1024, t_flt: 512, t_pta: 512, t_ptf: 512, t_qp: 1024, qr64: 32, qr8: 32,
};
const ATOMIC = /^(cas|swp|ldadd|ldclr|ldeor|ldset|ldsmax|ldsmin|ldumax|ldumin|stadd|stclr|steor|stset)/;
// QEMU 7.2's disassembler prints LSE atomics as .byte: decode those from the encoding
// (CAS/CASP: the exclusive/CAS group 0x08xxxxxx; LDADD/SWP/...: the atomic memory operations).
function classify(mn, word) {
  if (ATOMIC.test(mn)) return "A";
  if (mn === ".byte") {
    const w = parseInt(word, 16) >>> 0;
    if ((w & 0x3f000000) >>> 0 === 0x08000000 || (w & 0x3f200c00) >>> 0 === 0x38200000) return "A";
    return "I";
  }
  if (/^(dsb|dmb|isb)$/.test(mn)) return "B";
  if (/^ld/.test(mn)) return "L";
  if (/^st/.test(mn)) return "S";
  return "I";
}

const dir = mkdtempSync(join(tmpdir(), "count-insns-"));
try {
  const bin = join(dir, "alloc-costs");
  const cc = spawnSync(CC, [...CFLAGS, "-o", bin, join(HERE, "alloc-costs.c")], { encoding: "utf8" });
  if (cc.status !== 0) fail(`compiling alloc-costs.c failed:\n${cc.stderr}`);
  const log = join(dir, "trace.log");
  const r = spawnSync(qemu, ["-cpu", "max", "-d", "in_asm,exec,nochain", "-D", log, bin, "count", "1", "1"], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) fail(`alloc-costs count exited with ${r.status ?? r.signal}: ${r.stderr}`);
  // segment names in execution order; the quarantine reduce pair alternates 64-object, 8-object
  let q = 0;
  const segs = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("seg "))
    .map((l) => l.slice(4))
    .map((n) => (n === "*acc" ? (q++ % 2 === 0 ? "qr64" : "qr8") : n));
  const text = readFileSync(log, "utf8").split("\n");
  const tbs = new Map(); // "flags/pc/cs/cf" -> {I, L, S, A, B, N, fn}
  let pending = null;
  let segIdx = -1;
  let inSeg = false;
  const totals = new Map(); // label -> {N, L, S, A, B, occ}
  let cur = null;
  for (const line of text) {
    if (line.startsWith("IN: ")) {
      pending = { fn: line.slice(4).trim(), N: 0, L: 0, S: 0, A: 0, B: 0 };
    } else if (pending && /^0x[0-9a-f]+:\s/.test(line)) {
      const f = line.split(/\s+/);
      const mn = f[2];
      if (!mn) continue;
      pending.N++;
      const c = classify(mn, f[1]);
      if (c !== "I") pending[c]++;
    } else if (line.startsWith("Trace ")) {
      const m = /\[([^\]]+)\]\s*(\S*)/.exec(line);
      if (!m) continue;
      const key = m[1];
      if (pending) {
        tbs.set(key, pending);
        pending = null;
      }
      const tb = tbs.get(key);
      if (!tb) continue;
      if (tb.fn === "seg_begin") {
        segIdx++;
        inSeg = true;
        const label = segs[segIdx];
        if (label === undefined) fail("more segments in the trace than seg lines");
        if (label === "ov") cur = null;
        else {
          if (!totals.has(label)) totals.set(label, { N: 0, L: 0, S: 0, A: 0, B: 0, occ: 0 });
          cur = totals.get(label);
          cur.occ++;
        }
        continue;
      }
      if (tb.fn === "seg_end") {
        inSeg = false;
        cur = null;
        continue;
      }
      if (inSeg && cur) for (const k of ["N", "L", "S", "A", "B"]) cur[k] += tb[k];
    }
  }
  if (segIdx + 1 !== segs.length) fail(`trace has ${segIdx + 1} segments, program printed ${segs.length}`);
  const per = {};
  for (const [label, t] of totals) {
    const calls = CALLS[label];
    if (!calls) fail(`no call count for segment ${label}`);
    const d = t.occ * calls;
    per[label] = Object.fromEntries(["N", "L", "S", "A", "B"].map((k) => [k, t[k] / d]));
  }
  const lin = (terms) => Object.fromEntries(["N", "L", "S", "A", "B"].map((k) => [k, Math.round(terms.reduce((s, [l, c]) => s + c * per[l][k], 0) * 100) / 100]));
  const call = (l) => lin([[l, 1], ["t_nop", -1]]);
  const terms = {
    pageAlloc: call("t_pa"),
    pageFree: call("t_pf"),
    pcpRefill: call("t_rb"),
    pcpBulkFree: call("t_fb"),
    buddySplit: lin([["t_s10", 1 / 8], ["t_s2", -1 / 8]]),
    buddyMerge: lin([["t_m10", 1 / 8], ["t_m2", -1 / 8]]),
    slabAlloc: call("t_sa"),
    slabFree: call("t_sf"),
    newSlab: call("t_ns"),
    discardSlab: call("t_ds"),
    kmallocLarge: call("t_kl"),
    vmapArea: call("t_vt"),
    vmapAreaPool: call("t_vp"),
    vmalloc: call("t_vm"),
    vfree: call("t_vf"),
    vmapPurgeArea: lin([["t_p8m", 1 / 7], ["t_p1m", -1 / 7]]),
    vmapPurgePoolArea: lin([["t_p8p", 1 / 8], ["t_p1m", -1 / 7], ["t_p8m", 1 / 56]]),
    vmapPurgeFixed: lin([["t_p1m", 8 / 7], ["t_p8m", -1 / 7], ["t_nop", -1]]),
    rcuCallback: lin([["t_rcu", 1], ["t_nop", -1 / 16]]),
    pageFault: call("t_flt"),
    pageTableAlloc: call("t_pta"),
    pageTableFree: call("t_ptf"),
    quarantinePut: call("t_qp"),
    quarantineObjectFree: lin([["qr64", 1 / 56], ["qr8", -1 / 56]]),
    quarantineReduce: lin([["qr8", 8 / 7], ["qr64", -1 / 7], ["t_nop", -1]]),
  };
  const prev = JSON.parse(readFileSync(out, "utf8"));
  prev.allocInsnCounts = {
    generatedBy: "bench/qemu/count-insns.mjs",
    date: new Date().toISOString(),
    how: `${qemu} -cpu max -d in_asm,exec,nochain on alloc-costs count 1 1 (MTE off; warm-up pass + 1 pass), executed instructions per call of each path, minus the empty call's where measure.mjs subtracts it; slopes as in measure.mjs`,
    classes: "N all instructions; L loads (incl. pairs, acquire/exclusive); S stores (incl. pairs, release/exclusive); A LSE atomics (CAS/CASP/LDADD/SWP...); B barriers (DSB/DMB/ISB)",
    compileFlags: CFLAGS.join(" "),
    perCall: terms,
  };
  writeFileSync(out, JSON.stringify(prev, null, 2) + "\n");
  for (const [k, v] of Object.entries(terms)) console.log(`${k.padEnd(22)} N ${String(v.N).padStart(8)}  L ${String(v.L).padStart(7)}  S ${String(v.S).padStart(7)}  A ${String(v.A).padStart(5)}  B ${String(v.B).padStart(5)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
