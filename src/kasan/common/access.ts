/**
 * Memory accesses as instrumented kernel code performs them. Generic and SW_TAGS check every
 * access in software before it happens, as the compiler's instrumentation does:
 *  - read/write of 1, 2, 4, 8 or 16 bytes → __asan_load<N>/__asan_store<N> (Generic's
 *    fixed-size memory_is_poisoned_<N>) or __hwasan_load<N>_noabort (SW_TAGS);
 *  - any other size → __asan_loadN/storeN (memory_is_poisoned_n) / __hwasan_loadN_noabort;
 *  - memset/memcpy/memmove → the KASAN interceptors (__asan_memset … in shadow.c) check the
 *    whole destination (and source) range with kasan_check_range first and skip the operation
 *    when a report was produced.
 * Unchecked accesses stand for code the kernel does not instrument (KASAN_SANITIZE := n files,
 * __no_sanitize_address functions, READ_ONCE_NOCHECK, the arch's own memcpy in entry code).
 * Data is not simulated; each call returns whether the access went ahead.
 */
import type { Ptr } from "../../arch/pointer.js";

/** The check a mode performs for one access (KasanBackend.checkAccess). */
export interface AccessChecker {
  checkAccess(p: Ptr, size: number, write: boolean, ip: number, constantSize: boolean): boolean;
}

function isFixedSize(size: number): boolean {
  return size === 1 || size === 2 || size === 4 || size === 8 || size === 16;
}

export interface KasanAccess {
  /** An instrumented load of `size` bytes; false if it was reported as bad. */
  read(p: Ptr, size: number, ip?: number): boolean;
  /** An instrumented store. */
  write(p: Ptr, size: number, ip?: number): boolean;
  /** __asan_memset(addr, c, len): false (nothing written) if the range was reported. */
  memset(p: Ptr, c: number, len: number, ip?: number): boolean;
  /** __asan_memcpy(dest, src, len): source read-checked first, then destination. */
  memcpy(dest: Ptr, src: Ptr, len: number, ip?: number): boolean;
  /** __asan_memmove(dest, src, len). */
  memmove(dest: Ptr, src: Ptr, len: number, ip?: number): boolean;
  /** An access by uninstrumented code: never checked. */
  readUnchecked(p: Ptr, size: number): boolean;
  writeUnchecked(p: Ptr, size: number): boolean;
}

/** Runs a check on behalf of a KASAN entry point (KasanReporter.reportingVia). */
export interface ReportingVia {
  reportingVia<T>(via: readonly string[], fn: () => T): T;
}

const MEMSET_VIA = ["kasan_check_range", "__asan_memset"];
const MEMCPY_VIA = ["kasan_check_range", "__asan_memcpy"];
const MEMMOVE_VIA = ["kasan_check_range", "__asan_memmove"];

export class InstrumentedAccess implements KasanAccess {
  /**
   * `interceptors`: given for the software modes, whose mem* calls go through the interceptors
   * of mm/kasan/shadow.c (reports name them); HW_TAGS uses the plain arm64 mem* routines.
   */
  constructor(
    private readonly checker: AccessChecker,
    private readonly interceptors?: ReportingVia,
  ) {}

  read(p: Ptr, size: number, ip = 0): boolean {
    return this.checker.checkAccess(p, size, false, ip, isFixedSize(size));
  }

  write(p: Ptr, size: number, ip = 0): boolean {
    return this.checker.checkAccess(p, size, true, ip, isFixedSize(size));
  }

  memset(p: Ptr, _c: number, len: number, ip = 0): boolean {
    return this.via(MEMSET_VIA, () => this.checker.checkAccess(p, len, true, ip, false));
  }

  memcpy(dest: Ptr, src: Ptr, len: number, ip = 0): boolean {
    return this.via(MEMCPY_VIA, () => this.copyChecks(dest, src, len, ip));
  }

  memmove(dest: Ptr, src: Ptr, len: number, ip = 0): boolean {
    return this.via(MEMMOVE_VIA, () => this.copyChecks(dest, src, len, ip));
  }

  /** Source read-checked first, then destination (__asan_memcpy / __asan_memmove). */
  private copyChecks(dest: Ptr, src: Ptr, len: number, ip: number): boolean {
    if (!this.checker.checkAccess(src, len, false, ip, false)) return false;
    return this.checker.checkAccess(dest, len, true, ip, false);
  }

  private via(via: readonly string[], check: () => boolean): boolean {
    return this.interceptors === undefined ? check() : this.interceptors.reportingVia(via, check);
  }

  readUnchecked(_p: Ptr, _size: number): boolean {
    return true;
  }

  writeUnchecked(_p: Ptr, _size: number): boolean {
    return true;
  }
}

/** KASAN off: nothing is checked. */
export const UNCHECKED_ACCESS: KasanAccess = new InstrumentedAccess({ checkAccess: () => true });
