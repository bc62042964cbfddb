/**
 * The string and memory helpers of lib/string.c as a KASAN kernel runs them, with the loads
 * that get checked:
 *  - Generic and SW_TAGS: arm64's assembly versions are compiled out
 *    (arch/arm64/include/asm/string.h drops __HAVE_ARCH_* under software KASAN), so the
 *    instrumented C versions run: a checked 1-byte load per character, memcmp comparing 8-byte
 *    words first (CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS), strscpy reading words with
 *    read_word_at_a_time(), which checks only the word's first byte (kasan_check_read(p, 1))
 *    and then loads the word unchecked.
 *  - HW_TAGS: the arm64 assembly routines run uninstrumented and the CPU tag-checks their loads:
 *    aligned 16-byte chunks for the scanning routines, 8-byte words plus an overlapping tail
 *    load for memcmp.
 * A report does not stop a load (the kernel reports and carries on), so each helper returns
 * what the kernel function would with the stored contents.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanAccess } from "../../kasan/common/access.js";
import type { ExecContext } from "../../lib/context.js";
import type { MemoryContents } from "./memory-contents.js";

export type StringImpl = "instrumented-c" | "arm64-asm";

/** The NULL a pointer-returning helper gives back. */
export const NULL_PTR = 0;
/** -E2BIG. */
export const E2BIG = -7;

export class KernelStrings {
  constructor(
    private readonly access: KasanAccess,
    private readonly mem: MemoryContents,
    private readonly ctx: ExecContext,
    readonly impl: StringImpl,
  ) {}

  private ip(fn: string, what: string): number {
    return this.ctx.kallsyms.callSite(fn, what);
  }

  /** A checked 1-byte load of the C implementation, returning the byte. */
  private ldrb(fn: string, p: Ptr): number {
    this.access.read(p, 1, this.ip(fn, "ldrb"));
    return this.mem.byte(p);
  }

  /** The assembly routines' aligned 16-byte chunk containing `p` (checked by the CPU). */
  private chunk(fn: string, p: Ptr): void {
    const base = p - (p % 16);
    this.access.read(base, 16, this.ip(fn, "ld1"));
  }

  /** Scan a string with the assembly routine's chunked loads until `stop(byte, index)`. */
  private asmScan(fn: string, s: Ptr, limit: number, stop: (b: number, i: number) => boolean): number {
    let lastChunk = -1;
    for (let i = 0; i < limit; i++) {
      const c = s + i - ((s + i) % 16);
      if (c !== lastChunk) {
        this.chunk(fn, s + i);
        lastChunk = c;
      }
      if (stop(this.mem.byte(s + i), i)) return i;
    }
    return limit;
  }

  memchr(s: Ptr, c: number, n: number): Ptr {
    const ch = c & 0xff;
    if (this.impl === "arm64-asm") {
      const i = this.asmScan("memchr", s, n, (b) => b === ch);
      return i < n ? s + i : NULL_PTR;
    }
    for (let i = 0; i < n; i++) if (this.ldrb("memchr", s + i) === ch) return s + i;
    return NULL_PTR;
  }

  memcmp(a: Ptr, b: Ptr, n: number): number {
    let i = 0;
    if (this.impl === "arm64-asm") {
      const ip = this.ip("memcmp", "ldr");
      for (; i + 8 <= n; i += 8) {
        this.access.read(a + i, 8, ip);
        this.access.read(b + i, 8, ip);
        const d = this.diff(a + i, b + i, 8);
        if (d !== 0) return d;
      }
      if (i < n) {
        // The tail is one overlapping 8-byte load that ends at the last byte.
        const t = Math.max(0, n - 8);
        this.access.read(a + t, n - t, ip);
        this.access.read(b + t, n - t, ip);
        return this.diff(a + i, b + i, n - i);
      }
      return 0;
    }
    const ip = this.ip("memcmp", "ldr");
    for (; i + 8 <= n; i += 8) {
      this.access.read(a + i, 8, ip);
      this.access.read(b + i, 8, ip);
      if (this.diff(a + i, b + i, 8) !== 0) break;
    }
    for (; i < n; i++) {
      const d = this.ldrb("memcmp", a + i) - this.ldrb("memcmp", b + i);
      if (d !== 0) return d;
    }
    return 0;
  }

  private diff(a: Ptr, b: Ptr, n: number): number {
    for (let i = 0; i < n; i++) {
      const d = this.mem.byte(a + i) - this.mem.byte(b + i);
      if (d !== 0) return d;
    }
    return 0;
  }

  strchr(s: Ptr, c: number): Ptr {
    const ch = c & 0xff;
    if (this.impl === "arm64-asm") {
      let found = NULL_PTR;
      this.asmScan("strchr", s, Number.MAX_SAFE_INTEGER, (b, i) => {
        if (b === ch) found = s + i;
        return b === ch || b === 0;
      });
      return found;
    }
    for (let i = 0; ; i++) {
      const b = this.ldrb("strchr", s + i);
      if (b === ch) return s + i;
      if (b === 0) return NULL_PTR;
    }
  }

  strrchr(s: Ptr, c: number): Ptr {
    const ch = c & 0xff;
    let last = NULL_PTR;
    if (this.impl === "arm64-asm") {
      this.asmScan("strrchr", s, Number.MAX_SAFE_INTEGER, (b, i) => {
        if (b === ch) last = s + i;
        return b === 0;
      });
      return last;
    }
    for (let i = 0; ; i++) {
      const b = this.ldrb("strrchr", s + i);
      if (b === ch) last = s + i;
      if (b === 0) return last;
    }
  }

  /** strcmp(cs, ct) with `ct` a string literal in .rodata (its loads always pass). */
  strcmp(cs: Ptr, ct: string): number {
    return this.strncmpImpl("strcmp", cs, ct, Number.MAX_SAFE_INTEGER);
  }

  strncmp(cs: Ptr, ct: string, count: number): number {
    return this.strncmpImpl("strncmp", cs, ct, count);
  }

  private strncmpImpl(fn: string, cs: Ptr, ct: string, count: number): number {
    const byteAt = (i: number): number => {
      if (this.impl === "arm64-asm") {
        if (i === 0 || (cs + i) % 16 === 0) this.chunk(fn, cs + i);
        return this.mem.byte(cs + i);
      }
      return this.ldrb(fn, cs + i);
    };
    for (let i = 0; i < count; i++) {
      const c1 = byteAt(i);
      const c2 = i < ct.length ? ct.charCodeAt(i) & 0xff : 0;
      if (c1 !== c2) return c1 < c2 ? -1 : 1;
      if (c1 === 0) break;
    }
    return 0;
  }

  strlen(s: Ptr): number {
    if (this.impl === "arm64-asm") return this.asmScan("strlen", s, Number.MAX_SAFE_INTEGER, (b) => b === 0);
    let i = 0;
    while (this.ldrb("strlen", s + i) !== 0) i++;
    return i;
  }

  strnlen(s: Ptr, count: number): number {
    if (this.impl === "arm64-asm") return this.asmScan("strnlen", s, count, (b) => b === 0);
    let i = 0;
    while (i < count && this.ldrb("strnlen", s + i) !== 0) i++;
    return i;
  }

  /**
   * sized_strscpy(dest, src, count) of 6.12 on arm64 (CONFIG_DCACHE_WORD_ACCESS): words while at
   * least 8 bytes may be copied (an unaligned src only limited to its page), then bytes. Returns
   * the copied length or -E2BIG.
   */
  strscpy(dest: Ptr, src: Ptr, count: number): number {
    if (count <= 0) return E2BIG;
    const ip = this.ip("sized_strscpy", "ldr");
    let res = 0;
    let max = count;
    if (src % 8 !== 0) max = Math.min(max, 4096 - (src % 4096));
    while (max >= 8) {
      // read_word_at_a_time(): software modes check one byte, hw_tags' CPU checks the word.
      if (this.impl === "arm64-asm") this.access.read(src + res, 8, ip);
      else this.access.read(src + res, 1, ip);
      let zero = -1;
      for (let k = 0; k < 8; k++) {
        if (this.mem.byte(src + res + k) === 0) {
          zero = k;
          break;
        }
      }
      if (zero >= 0) {
        this.store(dest + res, src + res, zero, 8);
        return res + zero;
      }
      count -= 8;
      if (count === 0) {
        this.store(dest + res, src + res, 7, 8);
        return E2BIG;
      }
      this.store(dest + res, src + res, 8, 8);
      res += 8;
      max -= 8;
    }
    while (count > 1) {
      const c = this.ldrb("sized_strscpy", src + res);
      this.access.write(dest + res, 1, ip);
      this.mem.setByte(dest + res, c);
      if (c === 0) return res;
      res++;
      count--;
    }
    this.access.write(dest + res, 1, ip);
    this.mem.setByte(dest + res, 0);
    return this.ldrb("sized_strscpy", src + res) !== 0 ? E2BIG : res;
  }

  /** An 8-byte store of the first `keep` bytes of the word at `src` (the rest zero) to `dest`. */
  private store(dest: Ptr, src: Ptr, keep: number, size: number): void {
    this.access.write(dest, size, this.ip("sized_strscpy", "str"));
    for (let k = 0; k < size; k++) this.mem.setByte(dest + k, k < keep ? this.mem.byte(src + k) : 0);
  }
}
