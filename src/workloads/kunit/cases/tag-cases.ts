/** vmalloc/vmap tagging, the match-all tag rules, and the Rust smoke test. */
import { Prng } from "../../../lib/prng.js";
import { KASAN_TAG_KERNEL, KASAN_TAG_MIN_HW, KASAN_TAG_MIN_SW } from "../../../kasan/constants.js";
import { VM_MAP } from "../../../mm/vmalloc/vm-flags.js";
import type { KasanTestContext } from "../kasan-test-context.js";
import type { KasanKunitCase } from "./case.js";

function tagMin(t: KasanTestContext): number {
  return t.hwTags ? KASAN_TAG_MIN_HW : KASAN_TAG_MIN_SW;
}

/** KUNIT_EXPECT_GE/LT(test, (u8)get_tag(ptr), KASAN_TAG_MIN / KASAN_TAG_KERNEL). */
function expectTagInRange(t: KasanTestContext, p: number, what: string): void {
  const tag = t.getTag(p);
  t.test.expect(tag >= tagMin(t), `Expected (u8)get_tag(${what}) >= (u8)KASAN_TAG_MIN, but (u8)get_tag(${what}) == ${tag}`);
  t.test.expect(tag < KASAN_TAG_KERNEL, `Expected (u8)get_tag(${what}) < (u8)KASAN_TAG_KERNEL, but (u8)get_tag(${what}) == ${tag}`);
}

function vmallocHelpersTags(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  t.needsConfigOn("CONFIG_KASAN_VMALLOC");
  if (!t.vmallocEnabled) t.test.skip("Test requires kasan.vmalloc=on");
  const ptr = t.vmalloc(4096);
  t.assertNotNull(ptr, "ptr");
  expectTagInRange(t, ptr, "ptr");
  t.test.assert(t.k.vmalloc.isVmallocAddr(ptr), "Expected is_vmalloc_addr(ptr) to be true, but is false");
  t.test.assert(t.k.vmalloc.vmallocToPage(ptr) >= 0, "Expected vmalloc_to_page(ptr) is not null, but is");
  // set_memory_ro()/set_memory_rw() (built-in only): page permissions are not modelled and succeed.
  t.vfree(ptr);
}

function vmallocOob(t: KasanTestContext): void {
  const size = 4096 / 2 - t.G - 5;
  t.needsConfigOn("CONFIG_KASAN_VMALLOC");
  if (!t.vmallocEnabled) t.test.skip("Test requires kasan.vmalloc=on");
  const v = t.vmalloc(size);
  t.assertNotNull(v, "v_ptr");
  t.write(v, 1, "v_ptr[0]");
  t.write(v + size - 1, 1, "v_ptr[size - 1]");
  if (t.generic) t.expectFail("((volatile char *)v_ptr)[size]", () => t.read(v + size, 1, "v_ptr[size]"));
  t.expectFail("((volatile char *)v_ptr)[size + 5]", () => t.read(v + size + 5, 1, "v_ptr[size + 5]"));
  const page = t.k.vmalloc.vmallocToPage(v);
  t.test.assert(page >= 0, "Expected page is not null, but is");
  const p = t.pageAddress(page);
  t.write(p, 1, "p_ptr[0]");
  t.vfree(v);
}

function vmapLike(t: KasanTestContext, fn: "vmap" | "vm_map_ram"): void {
  t.needsConfigOn("CONFIG_KASAN_SW_TAGS");
  if (fn === "vmap") {
    t.needsConfigOn("CONFIG_KASAN_VMALLOC");
    if (!t.vmallocEnabled) t.test.skip("Test requires kasan.vmalloc=on");
  }
  const pPage = t.allocPages(1);
  t.test.assert(pPage >= 0, "Expected p_page is not null, but is");
  const p = t.pageAddress(pPage);
  const v = t.call(fn, () => t.k.vmalloc.vmap([pPage], VM_MAP, fn));
  t.assertNotNull(v, "v_ptr");
  expectTagInRange(t, v, "v_ptr");
  t.write(p, 1, "*p_ptr");
  t.write(v, 1, "*v_ptr");
  if (fn === "vmap") {
    const vPage = t.k.vmalloc.vmallocToPage(v);
    t.test.assert(vPage >= 0, "Expected v_page is not null, but is");
    t.test.expect(vPage === pPage, "Expected p_page == v_page, but they differ");
  }
  t.call(fn === "vmap" ? "vunmap" : "vm_unmap_ram", () => t.k.vmalloc.vunmap(v));
  t.freePages(p, 1);
}

function matchAllNotAssigned(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  // get_random_u32_inclusive(): the kernel's RNG, seeded from the run.
  const rng = new Prng(t.k.seed).fork("get_random_u32");
  for (let i = 0; i < 256; i++) {
    const ptr = t.kmalloc(1 + rng.nextInt(1024));
    t.assertNotNull(ptr, "ptr");
    expectTagInRange(t, ptr, "ptr");
    t.kfree(ptr);
  }
  for (let i = 0; i < 256; i++) {
    const order = 1 + rng.nextInt(4);
    const pages = t.allocPages(order);
    const ptr = pages < 0 ? 0 : t.pageAddress(pages);
    t.assertNotNull(ptr, "ptr");
    expectTagInRange(t, ptr, "ptr");
    t.freePages(ptr, order);
  }
  if (!t.vmallocEnabled) return;
  for (let i = 0; i < 256; i++) {
    const ptr = t.vmalloc(1 + rng.nextInt(1024));
    t.assertNotNull(ptr, "ptr");
    expectTagInRange(t, ptr, "ptr");
    t.vfree(ptr);
  }
}

function matchAllPtrTag(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  let ptr = t.kmalloc(128);
  t.assertNotNull(ptr, "ptr");
  const tag = t.getTag(ptr);
  t.test.expect(tag !== KASAN_TAG_KERNEL, "Expected tag != (u8)KASAN_TAG_KERNEL, but tag == 255");
  ptr = t.setTag(ptr, KASAN_TAG_KERNEL);
  // A match-all pointer may touch memory of any tag.
  t.write(ptr, 1, "*ptr = 0");
  ptr = t.setTag(ptr, tag);
  t.kfree(ptr);
}

function matchAllMemTag(t: KasanTestContext): void {
  t.needsConfigOff("CONFIG_KASAN_GENERIC");
  const ptr = t.kmalloc(128);
  t.assertNotNull(ptr, "ptr");
  t.test.expect(t.getTag(ptr) !== KASAN_TAG_KERNEL, "Expected (u8)get_tag(ptr) != (u8)KASAN_TAG_KERNEL, but is 255");
  const min = tagMin(t);
  for (let tag = min; tag <= KASAN_TAG_KERNEL; tag++) {
    // SW_TAGS: only the first and last 8 tag values, to keep the report count down.
    if (t.swTags && tag >= min + 8 && tag <= KASAN_TAG_KERNEL - 8) continue;
    if (tag === t.getTag(ptr)) continue;
    t.kasanPoison(ptr, t.G, tag);
    t.expectFail("*ptr = 0", () => t.write(ptr, 1, "*ptr = 0"));
  }
  t.kasanPoison(ptr, t.G, t.getTag(ptr));
  t.kfree(ptr);
}

/** kasan_test_rust_uaf(): a KVec<u8> grown to 4096 pushes, dropped, then read at [2048]. */
function rustUaf(t: KasanTestContext): void {
  t.needsConfigOn("CONFIG_RUST");
  t.expectFail("kasan_test_rust_uaf()", () =>
    t.callback("kasan_test_rust_uaf", [], () => {
      let v = 0;
      for (let cap = 8; cap <= 4096; cap *= 2) v = v === 0 ? t.kmalloc(cap) : t.krealloc(v, cap);
      t.kfree(v);
      return t.read(v + 2048, 1, "*ptr");
    }),
  );
}

export const TAG_CASES: readonly KasanKunitCase[] = [
  { name: "vmalloc_helpers_tags", run: vmallocHelpersTags },
  { name: "vmalloc_oob", run: vmallocOob },
  { name: "vmap_tags", run: (t) => vmapLike(t, "vmap") },
  { name: "vm_map_ram_tags", run: (t) => vmapLike(t, "vm_map_ram") },
  { name: "match_all_not_assigned", run: matchAllNotAssigned },
  { name: "match_all_ptr_tag", run: matchAllPtrTag },
  { name: "match_all_mem_tag", run: matchAllMemTag },
  { name: "rust_uaf", run: rustUaf },
];
