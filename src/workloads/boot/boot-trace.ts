/**
 * The boot trace shipped with kasan-sim (data/traces/trace-boot.txt.gz; provenance in
 * data/traces/README.md): Linux 6.12.117 on arm64 with hw_tags KASAN under QEMU `virt,mte=on`,
 * 2 CPUs, 2 GiB, every kmem/vmalloc tracepoint from early start_kernel() to the BOOT_END marker
 * init writes.
 */
import { fileURLToPath } from "node:url";

/** sha256 of the uncompressed trace (the file as recorded, before gzip -9). */
export const BOOT_TRACE_SHA256 = "ae8883123f20f00f980bb79c37ac08b802f1d19135a9d095b1b2c39ce50d2242";
/** Events (non-header lines) in it, the last being the BOOT_END marker. */
export const BOOT_TRACE_EVENTS = 69_423;

/**
 * Return addresses above each boot allocation's traced call site (the trace records only the
 * call site; the unwinder and the SCS copy walk the whole chain). 34 010 of the boot trace's
 * 37 205 slab allocations are by PID 1: during the initcalls the chain above the call site is
 * ret_from_fork → kernel_init → kernel_init_freeable → do_basic_setup → do_initcalls →
 * do_initcall_level → do_one_initcall → the initcall (8), plus at least one subsystem frame; once
 * init runs in user space, el0t_64_sync → el0t_64_sync_handler → el0_svc → do_el0_svc →
 * el0_svc_common → invoke_syscall → __arm64_sys_* (7) plus the syscall's own frames. 9 is that
 * estimate (reproduce uses it; runBoots' own default stays 0, the trace as recorded); docs/decisions.md records it.
 */
export const BOOT_TRACE_OUTER_FRAMES = 9;

/** Absolute path of the shipped trace (this file sits in src/workloads/boot/ or dist/workloads/boot/, three levels below the package root). */
export function shippedBootTracePath(): string {
  return fileURLToPath(new URL("../../../data/traces/trace-boot.txt.gz", import.meta.url));
}
