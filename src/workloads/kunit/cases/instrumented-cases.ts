/** Globals, stack and alloca out of bounds; the str*() and mem*() library helpers; bitops; atomics. */
import { atomicOps, onceOps, type AtomicsContext } from "../../../kernel/lib/atomics.js";
import { BITS_PER_BYTE, BITS_PER_LONG, MODIFY_BITOPS, runBitop, TEST_AND_MODIFY_BITOPS } from "../../../kernel/lib/bitops.js";
import type { KasanTestContext } from "../kasan-test-context.js";
import { type KasanKunitCase, roundUp } from "./case.js";

function kasanGlobalOobRight(t: KasanTestContext): void {
  const array = t.global("global_array");
  const p = array + 10 + 3;
  // Only Generic instruments globals.
  t.needsConfigOn("CONFIG_KASAN_GENERIC");
  t.expectFail("*(volatile char *)p", () => t.read(p, 1, "*p"));
}

function kasanGlobalOobLeft(t: KasanTestContext): void {
  const p = t.global("global_array") - 3;
  // GCC does not put a redzone to the left (bugzilla 215051).
  t.needsConfigOn("CONFIG_CC_IS_CLANG");
  t.needsConfigOn("CONFIG_KASAN_GENERIC");
  t.expectFail("*(volatile char *)p", () => t.read(p, 1, "*p"));
}

function withFrame(t: KasanTestContext, locals: { name: string; size: number }[], body: (f: ReturnType<KasanTestContext["frame"]>) => void): void {
  const f = t.frame(locals);
  try {
    body(f);
  } finally {
    t.leaveFrame(f);
  }
}

function kasanStackOob(t: KasanTestContext): void {
  withFrame(t, [{ name: "stack_array", size: 10 }, { name: "array", size: 8 }], (f) => {
    const p = f.object("stack_array").addr + 10 + t.oobTagOff;
    t.needsConfigOn("CONFIG_KASAN_STACK");
    t.expectFail("*(volatile char *)p", () => t.read(p, 1, "*p"));
  });
}

function kasanAllocaOob(right: boolean): (t: KasanTestContext) => void {
  return (t) =>
    withFrame(t, [{ name: "i", size: 4 }, { name: "array", size: 8 }], (f) => {
      const i = 10;
      const array = f.alloca(i);
      const p = right ? array + i : array - 1;
      // Only Generic instruments dynamic allocas.
      t.needsConfigOn("CONFIG_KASAN_GENERIC");
      t.needsConfigOn("CONFIG_KASAN_STACK");
      t.expectFail("*(volatile char *)p", () => t.read(p, 1, "*p"));
    });
}

function kasanMemchr(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_AMD_MEM_ENCRYPT");
  const size = t.oobTagOff !== 0 ? roundUp(24, t.oobTagOff) : 24;
  const ptr = t.kzalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("kasan_ptr_result = memchr(ptr, '1', size + 1)", () => {
    const r = t.call("memchr", () => t.strings.memchr(ptr, 0x31, size + 1));
    t.write(t.global("kasan_ptr_result"), 8, "kasan_ptr_result");
    return r;
  });
  t.kfree(ptr);
}

function kasanMemcmp(t: KasanTestContext): void {
  withFrame(t, [{ name: "arr", size: 36 }], (f) => {
    t.needsConfigOff("CONFIG_AMD_MEM_ENCRYPT");
    const size = t.oobTagOff !== 0 ? roundUp(24, t.oobTagOff) : 24;
    const ptr = t.kzalloc(size);
    t.assertNotNull(ptr, "ptr");
    const arr = f.object("arr").addr;
    t.memset(arr, 0, 36, "memset(arr)");
    t.expectFail("kasan_int_result = memcmp(ptr, arr, size+1)", () => {
      t.call("memcmp", () => t.strings.memcmp(ptr, arr, size + 1));
      t.write(t.global("kasan_int_result"), 4, "kasan_int_result");
    });
    t.kfree(ptr);
  });
}

function kasanStrings(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_AMD_MEM_ENCRYPT");
  let ptr = t.kzalloc(24);
  t.assertNotNull(ptr, "ptr");
  t.kfree(ptr);
  // Point at a byte past the free metadata, which kzalloc left zero: one bad load per helper.
  ptr += 16;
  const s = t.strings;
  const ptrResult = t.global("kasan_ptr_result");
  const intResult = t.global("kasan_int_result");
  t.expectFail("kasan_ptr_result = strchr(ptr, '1')", () => (t.call("strchr", () => s.strchr(ptr, 0x31)), t.write(ptrResult, 8, "kasan_ptr_result")));
  t.expectFail("kasan_ptr_result = strrchr(ptr, '1')", () => (t.call("strrchr", () => s.strrchr(ptr, 0x31)), t.write(ptrResult, 8, "kasan_ptr_result")));
  t.expectFail("kasan_int_result = strcmp(ptr, \"2\")", () => (t.call("strcmp", () => s.strcmp(ptr, "2")), t.write(intResult, 4, "kasan_int_result")));
  t.expectFail("kasan_int_result = strncmp(ptr, \"2\", 1)", () => (t.call("strncmp", () => s.strncmp(ptr, "2", 1)), t.write(intResult, 4, "kasan_int_result")));
  t.expectFail("kasan_int_result = strlen(ptr)", () => (t.call("strlen", () => s.strlen(ptr)), t.write(intResult, 4, "kasan_int_result")));
  t.expectFail("kasan_int_result = strnlen(ptr, 1)", () => (t.call("strnlen", () => s.strnlen(ptr, 1)), t.write(intResult, 4, "kasan_int_result")));
}

function bitopsModify(t: KasanTestContext, nr: number, addr: number): void {
  t.helper("kasan_bitops_modify", () => {
    for (const op of MODIFY_BITOPS) t.expectFail(`${op.name}(nr, addr)`, () => runBitop(t.k.access, t.mem, op, nr, addr, t.ip(op.name)));
  });
}

function bitopsTestAndModify(t: KasanTestContext, nr: number, addr: number): void {
  t.helper("kasan_bitops_test_and_modify", () => {
    for (const op of TEST_AND_MODIFY_BITOPS) {
      const expr = op.name === "test_bit" ? "kasan_int_result = test_bit(nr, addr)" : `${op.name}(nr, addr)`;
      t.expectFail(expr, () => runBitop(t.k.access, t.mem, op, nr, addr, t.ip(op.name)));
    }
    // xor_unlock_is_negative_byte() is only tried for nr < 7; the suite's nr is 72.
  });
}

function kasanBitopsGeneric(t: KasanTestContext): void {
  t.needsConfigOn("CONFIG_KASAN_GENERIC");
  // sizeof(long) + 1 rounds up to a 16-byte object; the second long is out of bounds.
  const bits = t.kzalloc(8 + 1);
  t.assertNotNull(bits, "bits");
  bitopsModify(t, BITS_PER_LONG, bits);
  bitopsTestAndModify(t, BITS_PER_LONG + BITS_PER_BYTE, bits);
  t.kfree(bits);
}

function kasanBitopsTags(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  // kmalloc-64 with 48 bytes requested: the last 16 bytes are the redzone.
  const bits = t.kzalloc(48);
  t.assertNotNull(bits, "bits");
  bitopsModify(t, BITS_PER_LONG, bits + 48);
  bitopsTestAndModify(t, BITS_PER_LONG + BITS_PER_BYTE, bits + 48);
  t.kfree(bits);
}

function kasanAtomics(t: KasanTestContext): void {
  const a1 = t.kzalloc(48);
  t.assertNotNull(a1, "a1");
  const a2 = t.kzalloc(8);
  t.assertNotNull(a2, "a2");
  t.helper("kasan_atomics_helper", () => {
    const unsafe = a1 + 48;
    for (const op of [...onceOps(), ...atomicOps(4), ...atomicOps(8)]) {
      const a: AtomicsContext = { access: t.k.access, mem: t.mem, ip: t.ip(op.expr) };
      t.expectFail(op.expr, () => op.run(a, unsafe, a2));
    }
  });
  t.kfree(a1);
  t.kfree(a2);
}

export const INSTRUMENTED_CASES: readonly KasanKunitCase[] = [
  { name: "kasan_global_oob_right", run: kasanGlobalOobRight },
  { name: "kasan_global_oob_left", run: kasanGlobalOobLeft },
  { name: "kasan_stack_oob", run: kasanStackOob },
  { name: "kasan_alloca_oob_left", run: kasanAllocaOob(false) },
  { name: "kasan_alloca_oob_right", run: kasanAllocaOob(true) },
  { name: "kasan_memchr", run: kasanMemchr },
  { name: "kasan_memcmp", run: kasanMemcmp },
  { name: "kasan_strings", run: kasanStrings },
  { name: "kasan_bitops_generic", run: kasanBitopsGeneric },
  { name: "kasan_bitops_tags", run: kasanBitopsTags },
  { name: "kasan_atomics", run: kasanAtomics, slow: true },
];
