/**
 * dump_stack_lvl() on arm64 (lib/dump_stack.c, arch/arm64/kernel/stacktrace.c, 6.12): the
 * task line with the taint state, the hardware name, and the call trace, one ` %pS` per frame:
 *
 *   CPU: 0 UID: 0 PID: 37 Comm: kunit_try_catch Tainted: G    B              6.12.0 #1
 *   Hardware name: linux,dummy-virt (DT)
 *   Call trace:
 *    dump_backtrace+0x…/0x…
 *    show_stack+0x…/0x…
 *    dump_stack_lvl+0x…/0x…
 *    <the caller's frames>
 *
 * The unwinder starts at dump_backtrace (the caller of arch_stack_walk), so dump_backtrace,
 * show_stack and dump_stack_lvl always lead the trace.
 */
import type { Kallsyms } from "../lib/kallsyms.js";

/** The taint flags of kernel/panic.c taint_flags[] (6.12, TAINT_FLAGS_COUNT 19): [set, clear]. */
export const TAINT_FLAGS: readonly (readonly [string, string])[] = [
  ["P", "G"], // TAINT_PROPRIETARY_MODULE
  ["F", " "], // TAINT_FORCED_MODULE
  ["S", " "], // TAINT_CPU_OUT_OF_SPEC
  ["R", " "], // TAINT_FORCED_RMMOD
  ["M", " "], // TAINT_MACHINE_CHECK
  ["B", " "], // TAINT_BAD_PAGE
  ["U", " "], // TAINT_USER
  ["D", " "], // TAINT_DIE
  ["A", " "], // TAINT_OVERRIDDEN_ACPI_TABLE
  ["W", " "], // TAINT_WARN
  ["C", " "], // TAINT_CRAP
  ["I", " "], // TAINT_FIRMWARE_WORKAROUND
  ["O", " "], // TAINT_OOT_MODULE
  ["E", " "], // TAINT_UNSIGNED_MODULE
  ["L", " "], // TAINT_SOFTLOCKUP
  ["K", " "], // TAINT_LIVEPATCH
  ["X", " "], // TAINT_AUX
  ["T", " "], // TAINT_RANDSTRUCT
  ["N", " "], // TAINT_TEST
];

export const TAINT_BAD_PAGE = 5;
export const TAINT_WARN = 9;
export const TAINT_TEST = 18;

/** print_tainted(): "Not tainted", or "Tainted: " and one character per flag. */
export function printTainted(mask: number): string {
  if (mask === 0) return "Not tainted";
  let s = "Tainted: ";
  for (let i = 0; i < TAINT_FLAGS.length; i++) s += (mask & (1 << i)) !== 0 ? TAINT_FLAGS[i][0] : TAINT_FLAGS[i][1];
  return s;
}

/** What the first line needs that the running kernel knows (utsname, machine). */
export interface DumpStackArch {
  /** init_utsname()->release (default "6.12.0"). */
  release?: string;
  /** init_utsname()->version up to the first space (default "#1"). */
  version?: string;
  /** dump_stack_set_arch_desc(): the DT model on arm64 (QEMU virt: "linux,dummy-virt (DT)"). */
  hardwareName?: string;
}

export interface DumpStackInfo {
  cpu: number;
  pid: number;
  comm: string;
  /** euid of current (0 for kernel threads). */
  uid?: number;
  taint: number;
  /** Frames below dump_stack_lvl, innermost first. */
  frames: readonly number[];
}

/** The frames dump_stack_lvl() itself contributes, innermost first. */
export function dumpStackOwnFrames(kallsyms: Kallsyms): number[] {
  return [kallsyms.callSite("dump_backtrace", "arch_stack_walk"), kallsyms.callSite("show_stack", "dump_backtrace"), kallsyms.callSite("dump_stack_lvl", "show_stack")];
}

/** dump_stack_lvl(KERN_ERR) for the current task, line by line. */
export function dumpStackLines(info: DumpStackInfo, kallsyms: Kallsyms, arch: DumpStackArch = {}): string[] {
  const release = arch.release ?? "6.12.0";
  const version = arch.version ?? "#1";
  const lines = [`CPU: ${info.cpu} UID: ${info.uid ?? 0} PID: ${info.pid} Comm: ${info.comm.slice(0, 20)} ${printTainted(info.taint)} ${release} ${version}`];
  lines.push(`Hardware name: ${arch.hardwareName ?? "linux,dummy-virt (DT)"}`);
  lines.push("Call trace:");
  for (const ip of dumpStackOwnFrames(kallsyms)) lines.push(` ${kallsyms.format(ip)}`);
  for (const ip of info.frames) lines.push(` ${ip === 0 ? "0x0" : kallsyms.format(ip)}`);
  return lines;
}
