/** Struct copies and mem*() intrinsics out of bounds, and the plain use-after-free cases. */
import type { KasanTestContext } from "../kasan-test-context.js";
import type { KasanKunitCase } from "./case.js";

function kmallocOob16(t: KasanTestContext): void {
  t.needsCheckedMemintrinsics();
  t.needsConfigOn("CONFIG_KASAN_GENERIC");
  const ptr1 = t.kmalloc(16 - 3);
  t.assertNotNull(ptr1, "ptr1");
  const ptr2 = t.kmalloc(16);
  t.assertNotNull(ptr2, "ptr2");
  t.expectFail("*ptr1 = *ptr2", () => {
    t.read(ptr2, 16, "*ptr2");
    t.write(ptr1, 16, "*ptr1");
  });
  t.kfree(ptr1);
  t.kfree(ptr2);
}

function kmallocUaf16(t: KasanTestContext): void {
  t.needsCheckedMemintrinsics();
  const ptr1 = t.kmalloc(16);
  t.assertNotNull(ptr1, "ptr1");
  const ptr2 = t.kmalloc(16);
  t.assertNotNull(ptr2, "ptr2");
  t.kfree(ptr2);
  t.expectFail("*ptr1 = *ptr2", () => {
    t.read(ptr2, 16, "*ptr2");
    t.write(ptr1, 16, "*ptr1");
  });
  t.kfree(ptr1);
}

function kmallocOobInMemset(t: KasanTestContext): void {
  t.needsCheckedMemintrinsics();
  const size = 128 - t.G;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("memset(ptr, 0, size + KASAN_GRANULE_SIZE)", () => t.memset(ptr, 0, size + t.G, "memset"));
  t.kfree(ptr);
}

function kmallocOobMemset(n: number): (t: KasanTestContext) => void {
  return (t) => {
    t.needsCheckedMemintrinsics();
    const size = 128 - t.G;
    const ptr = t.kmalloc(size);
    t.assertNotNull(ptr, "ptr");
    t.expectFail(`memset(ptr + size - ${n - 1}, 0, memset_size)`, () => t.memset(ptr + size - (n - 1), 0, n, "memset"));
    t.kfree(ptr);
  };
}

function kmallocMemmoveNegativeSize(t: KasanTestContext): void {
  t.needsCheckedMemintrinsics();
  // HW_TAGS does not check a negative memmove size; the copy would corrupt memory.
  t.needsConfigOff("CONFIG_KASAN_HW_TAGS");
  const ptr = t.kmalloc(64);
  t.assertNotNull(ptr, "ptr");
  t.memset(ptr, 0, 64, "memset");
  t.expectFail("memmove((char *)ptr, (char *)ptr + 4, invalid_size)", () => t.memmove(ptr, ptr + 4, -2, "memmove"));
  t.kfree(ptr);
}

function kmallocMemmoveInvalidSize(t: KasanTestContext): void {
  t.needsCheckedMemintrinsics();
  const size = 64;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.memset(ptr, 0, 64, "memset");
  t.expectFail("memmove((char *)ptr, (char *)ptr + 4, invalid_size)", () => t.memmove(ptr, ptr + 4, size, "memmove"));
  t.kfree(ptr);
}

function kmallocUaf(t: KasanTestContext): void {
  const ptr = t.kmalloc(10);
  t.assertNotNull(ptr, "ptr");
  t.kfree(ptr);
  t.expectFail("((volatile char *)ptr)[8]", () => t.read(ptr + 8, 1, "ptr[8]"));
}

function kmallocUafMemset(t: KasanTestContext): void {
  const size = 33;
  t.needsCheckedMemintrinsics();
  // Only Generic has the quarantine that keeps this corruption harmless.
  t.needsConfigOn("CONFIG_KASAN_GENERIC");
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.kfree(ptr);
  t.expectFail("memset(ptr, 0, size)", () => t.memset(ptr, 0, size, "memset"));
}

function kmallocUaf2(t: KasanTestContext): void {
  const size = 43;
  let counter = 0;
  let ptr1: number;
  let ptr2: number;
  for (;;) {
    ptr1 = t.kmalloc(size);
    t.assertNotNull(ptr1, "ptr1");
    t.kfree(ptr1);
    ptr2 = t.kmalloc(size);
    t.assertNotNull(ptr2, "ptr2");
    // Tag modes: the new allocation may reuse the slot with the same tag; retry up to 16 times.
    if (!t.generic && ptr1 === ptr2 && counter++ < 16) {
      t.kfree(ptr2);
      continue;
    }
    break;
  }
  t.expectFail("((volatile char *)ptr1)[40]", () => t.read(ptr1 + 40, 1, "ptr1[40]"));
  t.test.expect(ptr1 !== ptr2, "Expected ptr1 != ptr2, but they are equal");
  t.kfree(ptr2);
}

function kmallocUaf3(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  const ptr1 = t.kmalloc(100);
  t.assertNotNull(ptr1, "ptr1");
  t.kfree(ptr1);
  const ptr2 = t.kmalloc(100);
  t.assertNotNull(ptr2, "ptr2");
  t.kfree(ptr2);
  t.expectFail("((volatile char *)ptr1)[8]", () => t.read(ptr1 + 8, 1, "ptr1[8]"));
}

function kmallocDoubleKzfree(t: KasanTestContext): void {
  const ptr = t.kmalloc(16);
  t.assertNotNull(ptr, "ptr");
  t.kfreeSensitive(ptr);
  t.expectFail("kfree_sensitive(ptr)", () => t.kfreeSensitive(ptr));
}

function ksizeUnpoisonsMemory(t: KasanTestContext): void {
  const size = 128 - t.G - 5;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  const realSize = t.ksize(ptr);
  t.test.expect(realSize > size, `Expected real_size > size, but real_size == ${realSize}, size == ${size}`);
  t.write(ptr, 1, "ptr[0]");
  t.write(ptr + size - 1, 1, "ptr[size - 1]");
  if (t.generic) t.expectFail("((volatile char *)ptr)[size]", () => t.read(ptr + size, 1, "ptr[size]"));
  t.expectFail("((volatile char *)ptr)[size + 5]", () => t.read(ptr + size + 5, 1, "ptr[size + 5]"));
  t.expectFail("((volatile char *)ptr)[real_size - 1]", () => t.read(ptr + realSize - 1, 1, "ptr[real_size - 1]"));
  t.kfree(ptr);
}

function ksizeUaf(t: KasanTestContext): void {
  const size = 128 - t.G;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.kfree(ptr);
  t.expectFail("ksize(ptr)", () => t.ksize(ptr));
  t.expectFail("((volatile char *)ptr)[0]", () => t.read(ptr, 1, "ptr[0]"));
  t.expectFail("((volatile char *)ptr)[size]", () => t.read(ptr + size, 1, "ptr[size]"));
}

export const MEMINTRINSIC_CASES: readonly KasanKunitCase[] = [
  { name: "kmalloc_oob_16", run: kmallocOob16 },
  { name: "kmalloc_uaf_16", run: kmallocUaf16 },
  { name: "kmalloc_oob_in_memset", run: kmallocOobInMemset },
  { name: "kmalloc_oob_memset_2", run: kmallocOobMemset(2) },
  { name: "kmalloc_oob_memset_4", run: kmallocOobMemset(4) },
  { name: "kmalloc_oob_memset_8", run: kmallocOobMemset(8) },
  { name: "kmalloc_oob_memset_16", run: kmallocOobMemset(16) },
  { name: "kmalloc_memmove_negative_size", run: kmallocMemmoveNegativeSize },
  { name: "kmalloc_memmove_invalid_size", run: kmallocMemmoveInvalidSize },
  { name: "kmalloc_uaf", run: kmallocUaf },
  { name: "kmalloc_uaf_memset", run: kmallocUafMemset },
  { name: "kmalloc_uaf2", run: kmallocUaf2 },
  { name: "kmalloc_uaf3", run: kmallocUaf3 },
  { name: "kmalloc_double_kzfree", run: kmallocDoubleKzfree },
  { name: "ksize_unpoisons_memory", run: ksizeUnpoisonsMemory },
  { name: "ksize_uaf", run: ksizeUaf },
];
