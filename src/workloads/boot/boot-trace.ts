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

/** Absolute path of the shipped trace (this file sits in src/workloads/boot/ or dist/workloads/boot/, three levels below the package root). */
export function shippedBootTracePath(): string {
  return fileURLToPath(new URL("../../../data/traces/trace-boot.txt.gz", import.meta.url));
}
