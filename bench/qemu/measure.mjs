#!/usr/bin/env node
// Measures the per-instruction cost of MTE instructions, tag-checked accesses and frame-pointer
// unwinding under qemu-user TCG, for the `qemu-tcg` cost profile (issue 7). Cross-compiles
// mte-costs.c, runs it under `qemu-aarch64 -cpu max` with MTE on and off, subtracts the loop
// baselines rep by rep, takes medians and writes results.json beside this file.
// Usage: node bench/qemu/measure.mjs [--reps N] [--iters N] [--out FILE] [--merge-stack | --merge-alloc [--alloc-scale N]]
// Not part of `npm run bench`: it needs the aarch64 toolchain and QEMU (installed here if missing).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "mte-costs.c");
const ALLOC_SOURCE = join(HERE, "alloc-costs.c");
const CC = "aarch64-linux-gnu-gcc";
// -mbranch-protection=pac-ret+leaf is what arm64 kernels with in-kernel pointer authentication
// (CONFIG_ARM64_PTR_AUTH from 5.7, ARM64_PTR_AUTH_KERNEL from 5.13, both default y;
// arch/arm64/Makefile adds +bti with BTI_KERNEL) are built with: every function signs its return address
// (PACIASP) and authenticates it (AUTIASP). Under QEMU's -cpu max before 10.0 that pair runs the
// architected QARMA5 cipher in software and dominates a call's cost, so the routines below are
// built the same way; the harness's empty call is not (see call_nop in the C files).
const CFLAGS = ["-O2", "-march=armv8.5-a+memtag", "-static", "-mbranch-protection=pac-ret+leaf"];
const QEMU_ARGS = ["-cpu", "max"];

function fail(msg, code = 1) {
  console.error(`measure: ${msg}`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { reps: 9, iters: 100000, out: join(HERE, "results.json"), mergeStack: false, mergeAlloc: false, allocScale: 32 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      console.log(
        "usage: node bench/qemu/measure.mjs [--reps N] [--iters N] [--out FILE]\n" +
          "  --reps N   timed repetitions of every loop, median taken (default 9)\n" +
          "  --iters N  loop iterations of 16 instructions each in the MTE run; the MTE-off run\n" +
          "             uses 10x as many (default 100000)\n" +
          "  --out FILE where to write the JSON (default bench/qemu/results.json)\n" +
          "  --merge-stack  update only the kasan_save_stack / depot / stack ring figures in FILE,\n" +
          "             keeping the others (and their run) as they are\n" +
          "  --merge-alloc  run alloc-costs.c instead and update only the allocator / vmalloc / RCU /\n" +
          "             page-fault / page-table / quarantine figures in FILE, keeping the others\n" +
          "  --alloc-scale N  passes of every alloc-costs bench per rep (default 32)",
      );
      process.exit(0);
    }
    const val = argv[i + 1];
    if (a === "--reps" || a === "--iters" || a === "--alloc-scale") {
      const n = Number(val);
      if (!Number.isInteger(n) || n < 1) fail(`${a}: expected a positive integer, got ${JSON.stringify(val)}`, 2);
      opts[a === "--alloc-scale" ? "allocScale" : a.slice(2)] = n;
      i++;
    } else if (a === "--merge-stack") {
      opts.mergeStack = true;
    } else if (a === "--merge-alloc") {
      opts.mergeAlloc = true;
    } else if (a === "--out") {
      if (!val) fail("--out: expected a file name", 2);
      opts.out = resolve(val);
      i++;
    } else {
      fail(`unknown argument ${JSON.stringify(a)} (try --help)`, 2);
    }
  }
  return opts;
}

function onPath(bin) {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).status === 0;
}

function findQemu() {
  return ["qemu-aarch64", "qemu-aarch64-static"].find(onPath);
}

// What is missing, as Debian package names.
function missingPackages() {
  const missing = [];
  if (!findQemu()) missing.push("qemu-user");
  if (!onPath(CC)) missing.push("gcc-aarch64-linux-gnu");
  // -static links against the cross libc's archive.
  if (!existsSync("/usr/aarch64-linux-gnu/lib/libc.a")) missing.push("libc6-dev-arm64-cross");
  return missing;
}

function ensureToolchain() {
  let missing = missingPackages();
  if (missing.length === 0) return;
  if (!onPath("apt-get")) {
    fail(`missing ${missing.join(", ")} and apt-get is not available; install them (Debian/Ubuntu package names) and rerun`);
  }
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root && !onPath("sudo")) fail(`missing ${missing.join(", ")}; not root and no sudo: run  apt-get install ${missing.join(" ")}  as root`);
  const pre = root ? [] : ["sudo"];
  console.error(`measure: ${missing.join(", ")} not installed; installing with apt-get${root ? "" : " (via sudo)"}`);
  const apt = (args) =>
    spawnSync(pre.length ? "sudo" : "apt-get", [...(pre.length ? ["apt-get"] : []), ...args], {
      stdio: ["inherit", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  if (!apt(["install", "-y", ...missing])) {
    console.error("measure: apt-get install failed; refreshing the package lists and retrying");
    if (!apt(["update"]) || !apt(["install", "-y", ...missing])) {
      fail(`could not install ${missing.join(", ")} with apt-get; install them by hand and rerun`);
    }
  }
  missing = missingPackages();
  if (missing.length) fail(`still missing after apt-get: ${missing.join(", ")}`);
}

function firstLine(cmd, args) {
  return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0].trim();
}

function hostCpu() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return m ? m[1].trim() : "unknown (no model name in /proc/cpuinfo)";
  } catch {
    return "unknown (/proc/cpuinfo unreadable)";
  }
}

// Runs the binary; returns {info, checks, raw: Map<bench, [{rep, ns, n}]>}.
function run(qemu, bin, mode, reps, iters) {
  const r = spawnSync(qemu, [...QEMU_ARGS, bin, mode, String(reps), String(iters)], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    fail(`${qemu} ${QEMU_ARGS.join(" ")} mte-costs ${mode} exited with ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`);
  }
  const info = {};
  const checks = {};
  const raw = new Map();
  r.stdout.split("\n").forEach((line, i) => {
    if (!line) return;
    const f = line.split(" ");
    if (f[0] === "info") info[f[1]] = f.slice(2).join(" ");
    else if (f[0] === "check") checks[f[1]] = f.slice(2).join(" ");
    else if (f[0] === "raw" && f.length === 5) {
      const [bench, rep, ns, n] = [f[1], Number(f[2]), Number(f[3]), Number(f[4])];
      if (![rep, ns, n].every(Number.isFinite) || n <= 0) fail(`mte-costs ${mode} output line ${i + 1}: bad numbers in ${JSON.stringify(line)}`);
      if (!raw.has(bench)) raw.set(bench, []);
      raw.get(bench).push({ rep, ns, n });
    } else fail(`mte-costs ${mode} output line ${i + 1}: unrecognised ${JSON.stringify(line)}`);
  });
  return { info, checks, raw };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x) => Math.round(x * 1000) / 1000;

// Per-rep (bench - base) / divisor, paired by rep so slow drift hits both alike; median + range.
function paired(res, bench, base, divisor) {
  const a = res.raw.get(bench);
  const b = res.raw.get(base);
  if (!a || !b) fail(`mte-costs output lacks ${a ? base : bench}`);
  const byRep = new Map(b.map((x) => [x.rep, x]));
  const samples = a.map((x) => {
    const y = byRep.get(x.rep);
    if (!y) fail(`mte-costs output lacks ${base} rep ${x.rep}`);
    return (x.ns - y.ns) / divisor(x);
  });
  return { value: round(median(samples)), min: round(Math.min(...samples)), max: round(Math.max(...samples)) };
}

// Per-rep Σ coef × (ns / n) of the named benches, × scale; median + range. Rates (per call or per
// instruction) rather than raw totals, so benches timed with different counts combine correctly.
function combo(res, terms, scale = 1) {
  const series = terms.map(([bench]) => {
    const xs = res.raw.get(bench);
    if (!xs) fail(`mte-costs output lacks ${bench}`);
    return new Map(xs.map((x) => [x.rep, x.ns / x.n]));
  });
  const reps = [...series[0].keys()];
  const samples = reps.map((rep) =>
    terms.reduce((sum, [bench, coef], i) => {
      const v = series[i].get(rep);
      if (v === undefined) fail(`mte-costs output lacks ${bench} rep ${rep}`);
      return sum + coef * v;
    }, 0) * scale,
  );
  return { value: round(median(samples)), min: round(Math.min(...samples)), max: round(Math.max(...samples)) };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.mergeStack && opts.mergeAlloc) fail("--merge-stack and --merge-alloc: give one", 2);
  ensureToolchain();
  if (opts.mergeAlloc) return mergeAlloc(opts);
  const qemu = findQemu();
  const dir = mkdtempSync(join(tmpdir(), "mte-costs-"));
  const bin = join(dir, "mte-costs");
  try {
    console.error(`measure: compiling with ${CC} ${CFLAGS.join(" ")}`);
    const cc = spawnSync(CC, [...CFLAGS, "-o", bin, SOURCE], { encoding: "utf8" });
    if (cc.status !== 0) fail(`compiling ${SOURCE} failed:\n${cc.stderr}`);

    console.error(`measure: running under ${qemu} ${QEMU_ARGS.join(" ")} (MTE on: ${opts.reps} reps x ${opts.iters} iters)`);
    const on = run(qemu, bin, "mte", opts.reps, opts.iters);
    for (const [name, verdict] of Object.entries(on.checks)) {
      if (!verdict.startsWith("ok")) fail(`sanity check ${name} failed (${verdict}); MTE is not behaving under this QEMU`);
    }
    console.error(`measure: running with MTE off (${opts.reps} reps x ${opts.iters * 10} iters)`);
    const off = run(qemu, bin, "nomte", opts.reps, opts.iters * 10);

    const unroll = Number(on.info.unroll);
    const bs = Number(on.info.dczid_block_bytes);
    const perInsn = (x) => x.n; // raw n counts body instructions
    if (!(unroll > 0 && bs > 0)) fail(`mte-costs printed bad info: ${JSON.stringify(on.info)}`);

    const constants = {};
    const put = (name, r, unit, how, extra = {}) => {
      constants[name] = { value: r.value, unit, min: r.min, max: r.max, measured: how, ...extra };
    };
    const loopNote = `loop of ${unroll} copies per iteration, repeated`;
    const imm = (insn, mem) =>
      `${insn} ${loopNote}, minus the empty loop (same counter/branch, no body), per instruction; ${mem}; MTE on (PR_MTE_TCF_SYNC)`;
    const blk = (insn) =>
      `${insn} over consecutive ${bs}-byte DCZID blocks (${loopNote}), minus the same loop with only the address ADDs, per instruction; MTE on`;

    put("stg", paired(on, "stg", "empty", perInsn), "ns/insn", imm("STG", "one 16-byte granule"));
    put("st2g", paired(on, "st2g", "empty", perInsn), "ns/insn", imm("ST2G", "two granules"));
    put("stzg", paired(on, "stzg", "empty", perInsn), "ns/insn", imm("STZG", "one granule, tag + zero"));
    put("stz2g", paired(on, "stz2g", "empty", perInsn), "ns/insn", imm("STZ2G", "two granules, tag + zero"));
    const blockNote = { blockBytes: bs };
    const gva = paired(on, "dc_gva", "add", perInsn);
    const gzva = paired(on, "dc_gzva", "add", perInsn);
    put("dc_gva", gva, "ns/insn", blk("DC GVA"), blockNote);
    put("dc_gzva", gzva, "ns/insn", blk("DC GZVA"), blockNote);
    const per64 = (r) => ({ value: round((r.value * 64) / bs), min: round((r.min * 64) / bs), max: round((r.max * 64) / bs) });
    put("dc_gva_per64", per64(gva), "ns/64B", `dc_gva scaled by 64/${bs}: the cost per 64 bytes tagged, NOT the cost of an instruction on a 64-byte-block CPU`);
    put("dc_gzva_per64", per64(gzva), "ns/64B", `dc_gzva scaled by 64/${bs}: the cost per 64 bytes tagged and zeroed, NOT the cost of an instruction on a 64-byte-block CPU`);
    put("irg", paired(on, "irg", "empty", perInsn), "ns/insn", imm("IRG", "exclude mask from prctl (tag 0 excluded)"));
    put("ldg", paired(on, "ldg", "empty", perInsn), "ns/insn", imm("LDG", "one granule"));
    put("ldr_checked", paired(on, "ldr_checked", "empty", perInsn), "ns/access", imm("8-byte LDR through a tagged pointer to PROT_MTE memory, tags matching", "tag-checked"));
    put("str_checked", paired(on, "str_checked", "empty", perInsn), "ns/access", imm("8-byte STR through a tagged pointer to PROT_MTE memory, tags matching", "tag-checked"));
    put("ldr_untagged_mte_on", paired(on, "ldr_plain", "empty", perInsn), "ns/access", imm("8-byte LDR through an untagged pointer to ordinary (non-PROT_MTE) memory", "unchecked memory in a tag-checking process"));
    put("str_untagged_mte_on", paired(on, "str_plain", "empty", perInsn), "ns/access", imm("8-byte STR through an untagged pointer to ordinary (non-PROT_MTE) memory", "unchecked memory in a tag-checking process"));
    put("ldr_mte_off", paired(off, "ldr_plain", "empty", perInsn), "ns/access", `8-byte LDR ${loopNote}, minus the empty loop, per access; process without MTE enabled`);
    put("str_mte_off", paired(off, "str_plain", "empty", perInsn), "ns/access", `8-byte STR ${loopNote}, minus the empty loop, per access; process without MTE enabled`);
    const overStr = (insn) => `${insn} loop minus the plain STR loop (untagged memory, same process), per instruction: what the tag store costs beyond an ordinary store`;
    put("stg_over_str", paired(on, "stg", "str_plain", perInsn), "ns/insn", overStr("STG"));
    put("stzg_over_str", paired(on, "stzg", "str_plain", perInsn), "ns/insn", overStr("STZG"));
    put("ldr_check_extra", paired(on, "ldr_checked", "ldr_plain", perInsn), "ns/access", "tag-checked LDR loop minus the untagged LDR loop (same MTE-on process), per access");
    put("str_check_extra", paired(on, "str_checked", "str_plain", perInsn), "ns/access", "tag-checked STR loop minus the untagged STR loop (same MTE-on process), per access");
    // --- kernel routines (software modes, zeroing, stack collection, depot, stack ring) ---
    const both = (name, f, unit, how) => {
      put(name, f(off), unit, `${how}; process without MTE enabled`);
      put(`${name}_mte_on`, f(on), unit, `${how}; MTE-on process (PR_MTE_TCF_SYNC), ordinary memory`);
    };
    const bothCall = (name, bench, unit, what) =>
      both(name, (r) => combo(r, [[bench, 1], ["call_nop", -1]]), unit, `${what}, per call, minus a call of an empty noipa function`);
    put("addg", paired(on, "addg", "empty", perInsn), "ns/insn", imm("ADDG", "tag arithmetic, no memory access"));
    both("dc_zva", (r) => paired(r, "dc_zva", "add", perInsn), "ns/insn", `DC ZVA over consecutive ${bs}-byte DCZID blocks (${loopNote}), minus the same loop with only the address ADDs, per instruction`);
    bothCall("clear_page", "clear_page", "ns/page", "arm64 clear_page() of one 4 KiB page (DC ZVA per DCZID block, block size read from DCZID_EL0)");
    both(
      "memset_1024_per_byte",
      (r) => combo(r, [["memset_1024", 1], ["call_nop", -1]], 1 / 1024),
      "ns/byte",
      "libc memset(p, 0, 1024) through a volatile function pointer, minus an empty call, divided by 1024 (libc switches strategy by size, so no slope is taken)",
    );
    both(
      "memset_256_per_byte",
      (r) => combo(r, [["memset_256", 1], ["call_nop", -1]], 1 / 256),
      "ns/byte",
      "libc memset(p, 0, 256) through a volatile function pointer, minus an empty call, divided by 256 (per byte at a typical slab object size, per-call work included)",
    );
    put(
      "generic_inline_check",
      paired(off, "generic_check", "ldr_plain", perInsn),
      "ns/access",
      `Generic KASAN inline check before an 8-byte LDR (ADD address, LSR #3, LDRB shadow at (addr >> 3) + offset, CBNZ), ${loopNote}, minus the plain LDR loop, per access; shadow all zero; process without MTE enabled`,
    );
    put(
      "sw_tags_inline_check",
      paired(off, "sw_tags_check", "ldr_plain", perInsn),
      "ns/access",
      `SW_TAGS inline check before an 8-byte LDR through a TBI-tagged pointer (ADD address, UBFX bits 4..55, LDRB shadow at that + offset, LSR #56 pointer tag, CMP, B.NE), ${loopNote}, minus the plain LDR loop, per access; tags matching; process without MTE enabled`,
    );
    both(
      "pac_pair",
      (r) => combo(r, [["call_signed_nop", 1], ["call_nop", -1]]),
      "ns/call",
      "a call of an empty function signed as the kernel builds it (PACIASP ... AUTIASP, -mbranch-protection=pac-ret+leaf) minus the same call unsigned: one return-address sign + authenticate, QARMA5 under -cpu max",
    );
    put(
      "generic_outline_check",
      paired(off, "outline_check", "c_ldr", perInsn),
      "ns/access",
      "Generic KASAN outline check: a call to an __asan_load8_noabort-like noipa function (wrap-around and has-metadata tests, shadow byte test) before each 8-byte volatile load, minus the same C loop without the call, per access; process without MTE enabled",
    );
    bothCall("stack_ring_insert", "ring_insert", "ns/insert", "tag-mode stack ring insert as save_stack_info: reader-lock atomic add, atomic fetch-add of the position, load + cmpxchg of the slot, 4 field stores, store-release, reader-lock atomic sub");
    put("random_tag", combo(off, [["random_tag", 1], ["call_nop", -1]]), "ns/draw", "sw_tags kasan_random_tag(): per-CPU LCG step (x 1664525 + 1013904223) and % 254, per call, minus an empty call; process without MTE enabled");

    // --- kasan_save_stack() as Linux 6.12 arm64 runs it (see mte-costs.c), slope and intercept ---
    const [ks, kl] = on.info.ksave_frames.split(" ").map(Number);
    if (!(kl > ks && ks > 0)) fail(`mte-costs printed bad ksave_frames: ${on.info.ksave_frames}`);
    const dk = kl - ks;
    // per frame: (T(kl) - T(ks)) / (kl - ks); per trace: the trace with no frame record, minus an
    // empty call (an intercept T(ks) - (ks + 1) x slope amplified the host noise too much)
    const slope = (b) => (r) => combo(r, [[`${b}_${kl}`, 1 / dk], [`${b}_${ks}`, -1 / dk]]);
    const fixed = (b) => (r) => combo(r, [[`${b}_0`, 1], ["call_nop", -1]]);
    const extra = (b, base) => (r) => combo(r, [[`${b}_${kl}`, 1 / dk], [`${b}_${ks}`, -1 / dk], [`${base}_${kl}`, -1 / dk], [`${base}_${ks}`, 1 / dk]]);
    const uw =
      "kasan_save_stack() through the frame-pointer unwinder: stack_trace_save (cookie, skip 1) -> arch_stack_walk (six candidate stacks set up: task, irq, overflow, SDEI normal/critical, EFI; kunwind_init from the caller) -> per frame kunwind_next (final-record test, alignment, unwind_consume_stack bounds/ordering against the current stack, uninstrumented fp/lr read, kernel PAC strip, kretprobe test) and stack_trace_consume_entry through a function pointer (skip, size check, store); then filter_irq_stacks over the entries";
    const sc =
      "kasan_save_stack() through seed 004's stack_trace_save_shadow: SCS pointer (x18 stand-in), NMI/task context tests, task SCS base, per slot READ_ONCE_NOCHECK + ptrauth_strip_insn_pac + store + size limit; then filter_irq_stacks over the entries";
    const asanNote = "Generic KASAN build (KASAN_OUTLINE): a noipa __asan_{load,store}{4,8}-like check before each access of stack_trace_consume_entry (4 loads, 2 stores per stored frame) and filter_irq_stacks (1 load per entry), gcc stack-redzone shadow stores in stack_trace_save";
    const plainNote = "HW_TAGS build (no compiler instrumentation)";
    const frameNote = `${kl}-frame minus ${ks}-frame trace, per extra frame (one frame record or SCS slot, its consume/store and its filter_irq_stacks step)`;
    const traceNote = "per trace: kasan_save_stack() over no frame record (fp already at the final record, or the SCS pointer at its base) minus an empty call: the calls, the cookie, the walk setup, the one skipped consume_entry of stack_trace_save's own frame, filter_irq_stacks over nothing";
    both("ksave_unwind_frame", slope("ksave_unwind"), "ns/frame", `${uw}; ${plainNote}; ${frameNote}`);
    put("ksave_unwind_asan_frame", slope("ksave_unwind_asan")(off), "ns/frame", `${uw}; ${asanNote}; ${frameNote}; process without MTE enabled`);
    both("ksave_unwind_trace", fixed("ksave_unwind"), "ns/trace", `${uw}; ${plainNote}; ${traceNote}`);
    put("ksave_unwind_asan_trace", fixed("ksave_unwind_asan")(off), "ns/trace", `${uw}; ${asanNote}; ${traceNote}; process without MTE enabled`);
    both("ksave_scs_frame", slope("ksave_scs"), "ns/frame", `${sc}; ${plainNote}; ${frameNote}`);
    put("ksave_scs_asan_frame", slope("ksave_scs_asan")(off), "ns/frame", `${sc}; ${asanNote}; ${frameNote}; process without MTE enabled`);
    both("ksave_scs_trace", fixed("ksave_scs"), "ns/trace", `${sc}; ${plainNote}; ${traceNote}`);
    put("ksave_scs_asan_trace", fixed("ksave_scs_asan")(off), "ns/trace", `${sc}; ${asanNote}; ${traceNote}; process without MTE enabled`);
    both("ksave_noscs_extra_frame", extra("ksave_noscs", "ksave_scs"), "ns/frame", `seed 004's __noscs flavour: the SCS copy with its per-slot read+strip helper a real (noipa) call, per-frame slope minus the inlined copy's slope (same reps); ${plainNote}`);
    const extraTrace = (b, base) => (r) => combo(r, [[`${b}_0`, 1], [`${base}_0`, -1]]);
    both("ksave_noscs_extra_trace", extraTrace("ksave_noscs", "ksave_scs"), "ns/trace", `seed 004's __noscs flavour, per trace: kasan_save_stack() over an empty SCS with stack_trace_save_shadow a real (signed) call because it is __noscs, minus the same with it inlined (same reps); ${plainNote}`);
    put("ksave_noscs_asan_extra_trace", extraTrace("ksave_noscs_asan", "ksave_scs_asan")(off), "ns/trace", `as ksave_noscs_extra_trace in the ${asanNote}; process without MTE enabled`);
    put("ksave_noscs_asan_extra_frame", extra("ksave_noscs_asan", "ksave_scs_asan")(off), "ns/frame", `as ksave_noscs_extra_frame, both slopes in the ${asanNote}; process without MTE enabled`);
    bothCall("kdepot_lookup_16", "kdepot_lookup_16", "ns/lookup", "stack_depot_save_flags() hit path for a 16-frame trace: flag/size tests, jhash2 over 32 u32 words (seed 0x9747b28c), bucket of a 2^20-bucket table (64 distinct traces in turn), find_stack under rcu_read_lock_sched (preempt count), one-record chain: hash+size compare then stackdepot_memcmp word loop, handle");
    bothCall("kdepot_insert_16", "kdepot_insert_16", "ns/insert", "stack depot insert after both lookups missed, 16 frames: pool_lock (DAIF save, cmpxchg-acquire), printk deferral, depot_alloc_stack from the current pool (record size, handle, hash, size, memcpy of the entries, refcount, counters), list_add_rcu (store-release), unlock; the second find_stack and a new pool are not included");

    constants.loop_empty = {
      value: round(median(on.raw.get("empty").map((x) => x.ns / x.n))),
      unit: "ns/iteration-slot",
      measured: `the empty loop's time divided by ${unroll}x its iterations (MTE on); subtracted from the figures above`,
    };

    const result = {
      generatedBy: "bench/qemu/measure.mjs",
      date: new Date().toISOString(),
      platform: {
        emulator: `${qemu} ${QEMU_ARGS.join(" ")} (qemu-user TCG, not qemu-system)`,
        qemuVersion: firstLine(qemu, ["--version"]),
        gccVersion: firstLine(CC, ["--version"]),
        compileFlags: CFLAGS.join(" "),
        hostCpu: hostCpu(),
        dczidBlockBytes: bs,
      },
      method: {
        reps: opts.reps,
        itersMteOn: opts.iters,
        itersMteOff: opts.iters * 10,
        unroll,
        statistic: "median over reps of per-rep differences (bench minus baseline, same rep); min/max are the range over reps",
        warmup: "one untimed pass of every loop before the timed reps (TCG translation)",
      },
      checks: on.checks,
      constants,
    };
    if (opts.mergeStack) {
      // Only the stack-collection figures, measured together in this run, replace those in FILE.
      const isStack = (k) => /^(ksave_|kdepot_|stack_ring_insert)/.test(k);
      let prev;
      try {
        prev = JSON.parse(readFileSync(opts.out, "utf8"));
      } catch (e) {
        fail(`--merge-stack: cannot read ${opts.out}: ${e.message}`);
      }
      if (!prev || typeof prev.constants !== "object") fail(`--merge-stack: ${opts.out} has no "constants" object`);
      for (const [k, v] of Object.entries(constants)) if (isStack(k)) prev.constants[k] = v;
      prev.stackCollectionRun = {
        date: result.date,
        platform: result.platform,
        method: { ...result.method, ksaveFrames: [ks, kl], traceCalls: "iters / 32 per timed trace loop, iters / 4 per depot/ring call loop" },
        keys: Object.keys(constants).filter(isStack),
        note: "the keys listed here come from this run (all interleaved in every rep); the other constants come from the run described at the top of the file",
      };
      writeFileSync(opts.out, JSON.stringify(prev, null, 2) + "\n");
      console.error(`measure: merged ${prev.stackCollectionRun.keys.length} stack-collection figures into ${opts.out}`);
      for (const k of prev.stackCollectionRun.keys) console.log(`${k.padEnd(30)} ${String(constants[k].value).padStart(9)} ${constants[k].unit}  [${constants[k].min}, ${constants[k].max}]`);
      return;
    }
    writeFileSync(opts.out, JSON.stringify(result, null, 2) + "\n");
    console.error(`measure: wrote ${opts.out}`);
    for (const [k, v] of Object.entries(constants)) console.log(`${k.padEnd(22)} ${String(v.value).padStart(9)} ${v.unit}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// alloc-costs.c: the allocator, vmalloc, RCU, fault, page-table and quarantine paths. Every figure
// is a per-call rate minus the empty call's rate (same rep); slopes difference two sizes.
function mergeAlloc(opts) {
  const qemu = findQemu();
  const dir = mkdtempSync(join(tmpdir(), "alloc-costs-"));
  const bin = join(dir, "alloc-costs");
  try {
    console.error(`measure: compiling ${ALLOC_SOURCE} with ${CC} ${CFLAGS.join(" ")}`);
    const cc = spawnSync(CC, [...CFLAGS, "-o", bin, ALLOC_SOURCE], { encoding: "utf8" });
    if (cc.status !== 0) fail(`compiling ${ALLOC_SOURCE} failed:\n${cc.stderr}`);
    console.error(`measure: running alloc-costs under ${qemu} ${QEMU_ARGS.join(" ")} (${opts.reps} reps x ${opts.allocScale} passes, MTE off then on)`);
    const off = run(qemu, bin, "nomte", opts.reps, opts.allocScale);
    const on = run(qemu, bin, "mte", opts.reps, opts.allocScale);
    const constants = {};
    const put = (name, r, unit, how) => {
      constants[name] = { value: r.value, unit, min: r.min, max: r.max, measured: how };
    };
    const both = (name, terms, unit, how, scale = 1) => {
      put(name, combo(off, terms, scale), unit, `${how}; process without MTE enabled`);
      put(`${name}_mte_on`, combo(on, terms, scale), unit, `${how}; MTE-on process (PR_MTE_TCF_SYNC), ordinary memory`);
    };
    const call = (bench) => [[bench, 1], ["call_nop", -1]];
    const src = "alloc-costs.c (own C from reading Linux 6.12)";
    both("page_alloc", call("page_alloc"), "ns/call", `${src}: order-0 alloc_pages fast path: gfp/zone/watermark tests, rmqueue_pcplist (pcp trylock, list pop, count), check_new_page, post_alloc_hook bookkeeping, PGALLOC/NUMA events; minus an empty call`);
    both("page_free", call("page_free"), "ns/call", `${src}: order-0 free_unref_page: free_pages_prepare checks, pageblock migratetype, pcp trylock, list add, count/free_count, nr_pcp_high (no spill); minus an empty call`);
    both("pcp_refill_63", call("rmqueue_bulk_63"), "ns/call", `${src}: rmqueue_bulk of 63 order-0 pages (default pcp batch) under the zone lock, each __rmqueue_smallest + del_page_from_free_list, no splits; minus an empty call`);
    both("pcp_bulk_free_63", call("free_pcppages_bulk_63"), "ns/call", `${src}: free_pcppages_bulk of 63 order-0 pages under the zone lock (round-robin list pick, pageblock migratetype, __free_one_page with no free buddy, buddy_merge_likely); minus an empty call`);
    both("buddy_split", [["split_10", 1 / 8], ["split_2", -1 / 8]], "ns/split", `${src}: expand() of an order-10 block down to order 0 minus down to order 8, per extra split (add_to_free_list + set_buddy_order)`);
    both("buddy_merge", [["merge_10", 1 / 8], ["merge_2", -1 / 8]], "ns/merge", `${src}: __free_one_page merging 10 times minus 2 times, per extra merge (find_buddy_page_pfn/page_is_buddy, pageblock test at order >= 9, del_page_from_free_list)`);
    both("slab_alloc", call("slab_alloc"), "ns/object", `${src}: kmalloc(40..55) -> kmalloc_slab size_index -> slab_alloc_node fast path: tid/freelist read, hardened get_freepointer, CASP of (freelist, tid), prefetch; minus an empty call`);
    both("slab_free", call("slab_free"), "ns/object", `${src}: kfree -> virt_to_slab (compound head), PG_slab/obj_exts tests -> do_slab_free fast path: cpu-slab test, hardened set_freepointer, CASP of (freelist, tid); minus an empty call`);
    both("new_slab_64", call("new_slab_64"), "ns/slab", `${src}: allocate_slab of a 64-object order-0 slab minus its pages: slab fields, NR_SLAB_UNRECLAIMABLE_B (vmstat cmpxchg + memcg), freelist threaded through the 64 objects (hardened pointers, no randomisation), inc_slabs_node; minus an empty call`);
    both("discard_slab", call("discard_slab"), "ns/slab", `${src}: discard_slab minus its pages: dec_slabs_node atomics, __free_slab flag/mapping resets, unaccount_slab; minus an empty call`);
    both("kmalloc_large", call("kmalloc_large"), "ns/call", `${src}: __kmalloc_large_node + free_large_kmalloc bookkeeping for 16 KiB minus the pages (order, __GFP_COMP, folio address, NR_SLAB_UNRECLAIMABLE_B up and down); minus an empty call`);
    both("vmap_area_tree", call("vmap_area_tree"), "ns/area", `${src}: alloc_vmap_area of 9 pages through the free tree (4097 free areas, augmented rbtree: find_vmap_lowest_match, LE_FIT, subtree_max_size propagated up) under free_vmap_area_lock, then insert into a 4096-area busy tree under its lock; the vmap_area's slab allocation excluded; rb fixups not modelled; minus an empty call`);
    both("vmap_area_pool", call("vmap_area_pool"), "ns/area", `${src}: alloc_vmap_area served by node_alloc from the node's size pool, then the busy-tree insert; minus an empty call`);
    both("vmalloc_8", call("vmalloc_8"), "ns/call", `${src}: __vmalloc_node_range bookkeeping of an 8-page (32 KiB thread stack) area: setup_vmalloc_vm, page array, nr_vmalloc_pages, memcg per page, vmap_pages_range (walk per PMD, 8 PTEs set each with dsb ishst; isb), clear_vm_uninitialized_flag; area search, pages and slab allocations excluded; minus an empty call`);
    both("vfree_8", call("vfree_8"), "ns/call", `${src}: vfree of an 8-page area minus page/slab frees: busy-tree lookup + unlink under the node lock, vunmap_range_noflush (8 PTE exchanges), lazy count, insert into the lazy tree; minus an empty call`);
    both("vmap_purge_area", [["purge_8_merge", 1 / 7], ["purge_1_merge", -1 / 7]], "ns/area", `${src}: __purge_vmap_area_lazy of 8 areas minus of 1 area, per extra area merged back into the free tree (merge_or_add_vmap_area_augment + propagate)`);
    both("vmap_purge_fixed", [["purge_1_merge", 8 / 7], ["purge_8_merge", -1 / 7], ["call_nop", -1]], "ns/purge", `${src}: __purge_vmap_area_lazy's per-purge work (decay_va_pool_node scan of 2 x 256 pools, lazy tree/list taken, reclaim lock), the 1-area purge minus one area's slope; TLB flush excluded; minus an empty call`);
    both("vmap_purge_pool_area", [["purge_8_pool", 1 / 8], ["purge_1_merge", -1 / 7], ["purge_8_merge", 1 / 56]], "ns/area", `${src}: per area of a purge whose areas go into the node pools (node_pool_add_va): (purge of 8 pooled areas - the per-purge work of the merging purges) / 8`);
    both("rcu_callback", [["rcu_callback", 1], ["call_nop", -1 / 16]], "ns/callback", `${src}: rcu_do_batch in softirq over 16 done callbacks, per callback (dequeue, ->func fetched and cleared, indirect call of an empty callback, batch-limit tests) with the batch's irq-off extract/accounting spread over the 16; minus 1/16 empty call`);
    both("page_fault", call("page_fault"), "ns/fault", `${src}: anonymous write fault minus the folio allocation and zeroing: pt_regs save/restore, lock_vma_under_rcu (3-level maple walk, vma read lock), handle_mm_fault page-table walk, do_anonymous_page (memcg stock charge, PTE made, PTE lock, RSS counter, anon rmap, NR_ANON_MAPPED, LRU batch add, set_ptes), vma unlock; exception entry/eret themselves not timed; minus an empty call`);
    both("pte_alloc", call("pte_alloc"), "ns/page", `${src}: pagetable_pte_ctor (ptlock init, page type, NR_PAGETABLE) + pmd_install under the PMD lock (nr_ptes, smp_wmb, set_pmd with dsb ishst; isb); page allocation excluded; minus an empty call`);
    both("pte_free", call("pte_free"), "ns/page", `${src}: free_pte_range's pmd_clear (dsb ishst; isb), pte_free_tlb into the mmu_gather table batch, nr_ptes, pagetable_pte_dtor (page type, NR_PAGETABLE); page free excluded; minus an empty call`);
    both("quarantine_put", call("quarantine_put"), "ns/object", `${src}: kasan_quarantine_put: free meta, irqs off, per-CPU queue, offline test, qlist_put, size test; minus an empty call`);
    both("quarantine_object_free", [["quarantine_reduce_64", 1 / 56], ["quarantine_reduce_8", -1 / 56]], "ns/object", `${src}: quarantine_reduce of a 64-object batch minus an 8-object batch, per extra object: qlist_free_all's virt_to_slab/slab_cache, qlink_to_object, init_on_free test, call of the (separately priced) slab free`);
    both("quarantine_reduce", [["quarantine_reduce_8", 8 / 7], ["quarantine_reduce_64", -1 / 7], ["call_nop", -1]], "ns/call", `${src}: quarantine_reduce's per-call work (size test, srcu lock, quarantine_lock with irqs off, limits from totalram, batch taken, head advanced), 8-object batch minus 8 x the per-object slope; minus an empty call`);
    const meta = {
      date: new Date().toISOString(),
      source: "bench/qemu/alloc-costs.c",
      emulator: `${qemu} ${QEMU_ARGS.join(" ")} (qemu-user TCG, not qemu-system)`,
      qemuVersion: firstLine(qemu, ["--version"]),
      gccVersion: firstLine(CC, ["--version"]),
      compileFlags: CFLAGS.join(" "),
      hostCpu: hostCpu(),
      reps: opts.reps,
      passesPerRep: opts.allocScale,
      sizes: off.info.sizes,
      clockOverheadNs: { mteOff: Number(off.info.clock_overhead_ns), mteOn: Number(on.info.clock_overhead_ns) },
      statistic: "median over reps of per-rep rates (bench minus empty call, same rep); each timed segment has the clock_gettime pair's cost (measured per rep) subtracted; one untimed warm-up pass",
      keys: Object.keys(constants),
    };
    let prev;
    try {
      prev = JSON.parse(readFileSync(opts.out, "utf8"));
    } catch (e) {
      fail(`--merge-alloc: cannot read ${opts.out}: ${e.message}`);
    }
    if (!prev || typeof prev.constants !== "object") fail(`--merge-alloc: ${opts.out} has no "constants" object`);
    Object.assign(prev.constants, constants);
    prev.allocRun = meta;
    writeFileSync(opts.out, JSON.stringify(prev, null, 2) + "\n");
    console.error(`measure: merged ${meta.keys.length} allocator figures into ${opts.out}`);
    for (const k of meta.keys) console.log(`${k.padEnd(30)} ${String(constants[k].value).padStart(9)} ${constants[k].unit}  [${constants[k].min}, ${constants[k].max}]`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
