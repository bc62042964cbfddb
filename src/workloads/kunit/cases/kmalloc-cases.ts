/** kmalloc out-of-bounds and use-after-free cases, page_alloc cases and krealloc cases. */
import { GFP_KERNEL } from "../../../mm/gfp.js";
import type { KasanTestContext } from "../kasan-test-context.js";
import { type KasanKunitCase, KMALLOC_MAX_CACHE_SIZE, roundDown, roundUp } from "./case.js";

function kmallocOobRight(t: KasanTestContext): void {
  const size = 128 - t.G - 5;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  // An unaligned access past the requested size: only Generic is byte-precise.
  if (t.generic) t.expectFail("ptr[size] = 'x'", () => t.write(ptr + size, 1, "ptr[size]"));
  t.expectFail("ptr[size + 5] = 'y'", () => t.write(ptr + size + 5, 1, "ptr[size + 5]"));
  t.expectFail("ptr[0] = ptr[size + KASAN_GRANULE_SIZE + 5]", () => {
    t.read(ptr + size + t.G + 5, 1, "ptr[size + G + 5]");
    t.write(ptr, 1, "ptr[0]");
  });
  t.kfree(ptr);
}

function kmallocOobLeft(t: KasanTestContext): void {
  const ptr = t.kmalloc(15);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("*ptr = *(ptr - 1)", () => {
    t.read(ptr - 1, 1, "*(ptr - 1)");
    t.write(ptr, 1, "*ptr");
  });
  t.kfree(ptr);
}

function kmallocNodeOobRight(t: KasanTestContext): void {
  const size = 4096;
  const ptr = t.kmallocNode(size, GFP_KERNEL, 0);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("ptr[0] = ptr[size]", () => {
    t.read(ptr + size, 1, "ptr[size]");
    t.write(ptr, 1, "ptr[0]");
  });
  t.kfree(ptr);
}

function kmallocBigOobRight(t: KasanTestContext): void {
  const size = KMALLOC_MAX_CACHE_SIZE - 256;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("ptr[size] = 0", () => t.write(ptr + size, 1, "ptr[size]"));
  t.kfree(ptr);
}

function kmallocLargeOobRight(t: KasanTestContext): void {
  const size = KMALLOC_MAX_CACHE_SIZE + 10;
  const ptr = t.kmalloc(size);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("ptr[size + OOB_TAG_OFF] = 0", () => t.write(ptr + size + t.oobTagOff, 1, "ptr[size + OOB_TAG_OFF]"));
  t.kfree(ptr);
}

function kmallocLargeUaf(t: KasanTestContext): void {
  const ptr = t.kmalloc(KMALLOC_MAX_CACHE_SIZE + 10);
  t.assertNotNull(ptr, "ptr");
  t.kfree(ptr);
  t.expectFail("((volatile char *)ptr)[0]", () => t.read(ptr, 1, "ptr[0]"));
}

function kmallocLargeInvalidFree(t: KasanTestContext): void {
  const ptr = t.kmalloc(KMALLOC_MAX_CACHE_SIZE + 10);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("kfree(ptr + 1)", () => t.kfree(ptr + 1));
}

function pageAllocOobRight(t: KasanTestContext): void {
  const order = 4;
  const size = 4096 << order;
  // Generic page allocations have no redzones (bugzilla 210503).
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  const pages = t.allocPages(order);
  const ptr = pages < 0 ? 0 : t.pageAddress(pages);
  t.assertNotNull(ptr, "ptr");
  t.expectFail("ptr[0] = ptr[size]", () => {
    t.read(ptr + size, 1, "ptr[size]");
    t.write(ptr, 1, "ptr[0]");
  });
  t.freePages(ptr, order);
}

function pageAllocUaf(t: KasanTestContext): void {
  const order = 4;
  const pages = t.allocPages(order);
  const ptr = pages < 0 ? 0 : t.pageAddress(pages);
  t.assertNotNull(ptr, "ptr");
  t.freePages(ptr, order);
  t.expectFail("((volatile char *)ptr)[0]", () => t.read(ptr, 1, "ptr[0]"));
}

function kreallocMoreOobHelper(t: KasanTestContext, size1: number, size2: number): void {
  t.helper("krealloc_more_oob_helper", () => {
    t.test.assert(size1 < size2, "Expected size1 < size2");
    const middle = size1 + Math.floor((size2 - size1) / 2);
    const ptr1 = t.kmalloc(size1);
    t.assertNotNull(ptr1, "ptr1");
    const ptr2 = t.krealloc(ptr1, size2);
    t.assertNotNull(ptr2, "ptr2");
    // All offsets up to size2 must be accessible.
    t.write(ptr2 + size1 - 1, 1, "ptr2[size1 - 1]");
    t.write(ptr2 + size1, 1, "ptr2[size1]");
    t.write(ptr2 + middle, 1, "ptr2[middle]");
    t.write(ptr2 + size2 - 1, 1, "ptr2[size2 - 1]");
    if (t.generic) t.expectFail("ptr2[size2] = 'x'", () => t.write(ptr2 + size2, 1, "ptr2[size2]"));
    t.expectFail("ptr2[round_up(size2, KASAN_GRANULE_SIZE)] = 'x'", () => t.write(ptr2 + roundUp(size2, t.G), 1, "ptr2[round_up(size2)]"));
    t.kfree(ptr2);
  });
}

function kreallocLessOobHelper(t: KasanTestContext, size1: number, size2: number): void {
  t.helper("krealloc_less_oob_helper", () => {
    t.test.assert(size2 < size1, "Expected size2 < size1");
    const middle = size2 + Math.floor((size1 - size2) / 2);
    const ptr1 = t.kmalloc(size1);
    t.assertNotNull(ptr1, "ptr1");
    const ptr2 = t.krealloc(ptr1, size2);
    t.assertNotNull(ptr2, "ptr2");
    t.write(ptr2 + size2 - 1, 1, "ptr2[size2 - 1]");
    if (t.generic) t.expectFail("ptr2[size2] = 'x'", () => t.write(ptr2 + size2, 1, "ptr2[size2]"));
    t.expectFail("ptr2[round_up(size2, KASAN_GRANULE_SIZE)] = 'x'", () => t.write(ptr2 + roundUp(size2, t.G), 1, "ptr2[round_up(size2)]"));
    t.test.expect(roundUp(size2, t.G) <= roundDown(middle, t.G), "Expected round_up(size2, KASAN_GRANULE_SIZE) <= round_down(middle, KASAN_GRANULE_SIZE)");
    t.test.expect(roundUp(middle, t.G) <= roundDown(size1, t.G), "Expected round_up(middle, KASAN_GRANULE_SIZE) <= round_down(size1, KASAN_GRANULE_SIZE)");
    t.expectFail("ptr2[middle] = 'x'", () => t.write(ptr2 + middle, 1, "ptr2[middle]"));
    t.expectFail("ptr2[size1 - 1] = 'x'", () => t.write(ptr2 + size1 - 1, 1, "ptr2[size1 - 1]"));
    t.expectFail("ptr2[size1] = 'x'", () => t.write(ptr2 + size1, 1, "ptr2[size1]"));
    t.kfree(ptr2);
  });
}

function kreallocUaf(t: KasanTestContext): void {
  const ptr1 = t.kmalloc(201);
  t.assertNotNull(ptr1, "ptr1");
  t.kfree(ptr1);
  let ptr2 = -1;
  t.expectFail("ptr2 = krealloc(ptr1, size2, GFP_KERNEL)", () => {
    ptr2 = t.krealloc(ptr1, 235);
  });
  t.test.assert(ptr2 === 0, "Expected ptr2 == NULL");
  t.expectFail("*(volatile char *)ptr1", () => t.read(ptr1, 1, "*ptr1"));
}

export const KMALLOC_CASES: readonly KasanKunitCase[] = [
  { name: "kmalloc_oob_right", run: kmallocOobRight },
  { name: "kmalloc_oob_left", run: kmallocOobLeft },
  { name: "kmalloc_node_oob_right", run: kmallocNodeOobRight },
  { name: "kmalloc_big_oob_right", run: kmallocBigOobRight },
  { name: "kmalloc_large_oob_right", run: kmallocLargeOobRight },
  { name: "kmalloc_large_uaf", run: kmallocLargeUaf },
  { name: "kmalloc_large_invalid_free", run: kmallocLargeInvalidFree },
  { name: "page_alloc_oob_right", run: pageAllocOobRight },
  { name: "page_alloc_uaf", run: pageAllocUaf },
  { name: "krealloc_more_oob", run: (t) => kreallocMoreOobHelper(t, 201, 235) },
  { name: "krealloc_less_oob", run: (t) => kreallocLessOobHelper(t, 235, 201) },
  { name: "krealloc_large_more_oob", run: (t) => kreallocMoreOobHelper(t, KMALLOC_MAX_CACHE_SIZE + 201, KMALLOC_MAX_CACHE_SIZE + 235) },
  { name: "krealloc_large_less_oob", run: (t) => kreallocLessOobHelper(t, KMALLOC_MAX_CACHE_SIZE + 235, KMALLOC_MAX_CACHE_SIZE + 201) },
  { name: "krealloc_uaf", run: kreallocUaf },
];
