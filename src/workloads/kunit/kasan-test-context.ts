/**
 * What a KASAN test case's simulated code runs against: the kernel, the KUnit test, the
 * suite's harness, and small wrappers that make each call from the right place — every
 * allocator call, free and access is made from a call site inside the case (or helper)
 * function, so reports name `kmalloc_oob_right+0x…/0x… [kasan_test]` and stacks show the
 * chain. Pointers are the model's tagged numbers; `p + n` is the kernel's `p + n`.
 */
import { makePtr, ptrOffset, ptrTag, type Ptr, setTag, TAG_KERNEL, VMALLOC_BASE } from "../../arch/pointer.js";
import type { KernelConfig } from "../../config/kconfig.js";
import type { KasanBackend } from "../../kasan/common/backend.js";
import { registerGlobals, type RegisteredGlobal } from "../../kasan/instrument/globals.js";
import { InstrumentedFrame, TaskStackPointer, type StackLocal } from "../../kasan/instrument/stack-frame.js";
import type { Kernel } from "../../kernel/kernel.js";
import { MemoryContents } from "../../kernel/lib/memory-contents.js";
import { KernelStrings } from "../../kernel/lib/string.js";
import { GFP_KERNEL, __GFP_ZERO } from "../../mm/gfp.js";
import { PAGE_SIZE } from "../../mm/memory-layout.js";
import type { KmemCache } from "../../mm/slab/kmem-cache.js";
import { isEnabled, type GateOption } from "./gates.js";
import type { KasanTestStatus } from "./kasan-test-status.js";
import type { KunitTest } from "./kunit-test.js";

export const KASAN_TEST_MODULE = "kasan_test";

/** Where kasan_test's .bss sits in the kernel image (built in: inside the image's span); a native pointer. */
export const KASAN_TEST_BSS = makePtr(TAG_KERNEL, VMALLOC_BASE + 0x5c1a40);

/** kasan_test's global variables in .bss order (global_array last, after the result sinks). */
export const KASAN_TEST_GLOBALS = [
  { name: "multishot", size: 1 },
  { name: "test_status", size: 2 },
  { name: "kasan_ptr_result", size: 8 },
  { name: "kasan_int_result", size: 4 },
  { name: "global_rcu_ptr", size: 8 },
  { name: "global_array", size: 10 },
] as const;

/** THREAD_SIZE on arm64: 16 KiB, doubled by the software KASAN modes (KASAN_THREAD_SHIFT). */
export function threadSize(mode: string): number {
  return mode === "generic" || mode === "sw_tags" ? 32 * 1024 : 16 * 1024;
}

export class KasanTestContext {
  readonly mem = new MemoryContents();
  readonly strings: KernelStrings;
  readonly G: number;
  /** OOB_TAG_OFF: 0 for Generic, the granule for the tag modes. */
  readonly oobTagOff: number;
  readonly generic: boolean;
  readonly swTags: boolean;
  readonly hwTags: boolean;
  private readonly fnStack: string[];
  private stack: { ptr: TaskStackPointer; vm: Ptr; tag: number } | undefined = undefined;
  /** Instrumented frames entered and not yet left, outermost first. */
  private readonly liveFrames: InstrumentedFrame[] = [];

  constructor(
    readonly k: Kernel,
    readonly cfg: KernelConfig,
    readonly test: KunitTest,
    readonly status: KasanTestStatus,
    readonly globals: Map<string, RegisteredGlobal>,
  ) {
    this.G = k.kasan.hooks.granuleSize;
    this.generic = k.mode === "generic";
    this.swTags = k.mode === "sw_tags";
    this.hwTags = k.mode === "hw_tags";
    this.oobTagOff = this.generic ? 0 : this.G;
    this.fnStack = [test.name];
    this.strings = new KernelStrings(k.access, this.mem, k.ctx, this.hwTags ? "arm64-asm" : "instrumented-c");
  }

  get backend(): KasanBackend | undefined {
    return this.k.kasan.backend;
  }

  // --- gates ---

  /** KASAN_TEST_NEEDS_CONFIG_ON(test, config). */
  needsConfigOn(opt: GateOption): void {
    if (!isEnabled(this.cfg, opt)) this.test.skip(`Test requires ${opt}=y`);
  }

  /** KASAN_TEST_NEEDS_CONFIG_OFF(test, config). */
  needsConfigOff(opt: GateOption): void {
    if (isEnabled(this.cfg, opt)) this.test.skip(`Test requires ${opt}=n`);
  }

  /** KASAN_TEST_NEEDS_CHECKED_MEMINTRINSICS(test). */
  needsCheckedMemintrinsics(): void {
    if (isEnabled(this.cfg, "CONFIG_KASAN_HW_TAGS")) return;
    if (isEnabled(this.cfg, "CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX")) return;
    if (isEnabled(this.cfg, "CONFIG_GENERIC_ENTRY")) this.test.skip("Test requires checked mem*()");
  }

  /** kasan_vmalloc_enabled(). */
  get vmallocEnabled(): boolean {
    return this.k.kasan.hooks.vmallocEnabled;
  }

  // --- where code runs ---

  /** An instruction address inside the running function, distinct per `label`. */
  ip(label: string): number {
    return this.k.ctx.kallsyms.callSite(this.fnStack[this.fnStack.length - 1], label, KASAN_TEST_MODULE);
  }

  /** A call from the running function: its return address is on the stack while `fn` runs. */
  call<T>(label: string, fn: () => T): T {
    return this.k.ctx.call(this.ip(label), fn);
  }

  /** Run a function of kasan_test (a helper or callback) called from the running function. */
  helper<T>(name: string, fn: () => T): T {
    this.k.ctx.kallsyms.sym(name, undefined, KASAN_TEST_MODULE);
    return this.call(name, () => {
      this.fnStack.push(name);
      try {
        return fn();
      } finally {
        this.fnStack.pop();
      }
    });
  }

  /**
   * A kasan_test function run by another kernel path (an RCU callback batch, a kworker):
   * `frames` (caller, callee-site) pairs are pushed on top of the current call chain first.
   */
  callback<T>(name: string, frames: readonly (readonly [string, string])[], fn: () => T): T {
    const ctx = this.k.ctx;
    ctx.kallsyms.sym(name, undefined, KASAN_TEST_MODULE);
    const saved = ctx.callStack;
    ctx.callStack = saved.concat(frames.map(([f, site]) => ctx.kallsyms.callSite(f, site)));
    this.fnStack.push(name);
    try {
      return fn();
    } finally {
      this.fnStack.pop();
      ctx.callStack = saved;
    }
  }

  /** KUNIT_EXPECT_KASAN_FAIL(test, expression). */
  expectFail(exprText: string, expression: () => unknown): void {
    this.status.expectKasanFail(this.test, exprText, expression, this.ip("kasan_force_async_fault"));
  }

  /** KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ptr). */
  assertNotNull(p: number, what: string): void {
    this.test.assert(p !== 0 && p !== undefined, `Expected ${what} is not error, but is: 0000000000000000`);
  }

  // --- accesses (instrumented code of the running function) ---

  read(p: Ptr, size: number, label: string): boolean {
    return this.k.access.read(p, size, this.ip(label));
  }

  write(p: Ptr, size: number, label: string): boolean {
    return this.k.access.write(p, size, this.ip(label));
  }

  /** memset() → the __asan_memset interceptor (arm64's memset under HW_TAGS); contents kept. */
  memset(p: Ptr, c: number, len: number, label: string): void {
    if (this.call(label, () => this.k.access.memset(p, c, len, this.ip(label)))) this.mem.fill(p, c, len);
  }

  memmove(dest: Ptr, src: Ptr, len: number, label: string): void {
    this.call(label, () => this.k.access.memmove(dest, src, len, this.ip(label)));
  }

  // --- allocators ---

  kmalloc(size: number, gfp = GFP_KERNEL): Ptr {
    const p = this.call("kmalloc", () => this.k.slab.kmalloc(size, gfp));
    if (p !== 0 && (gfp & __GFP_ZERO) !== 0) this.mem.fill(p, 0, size);
    return p;
  }

  kzalloc(size: number, gfp = GFP_KERNEL): Ptr {
    return this.kmalloc(size, gfp | __GFP_ZERO);
  }

  kmallocNode(size: number, gfp: number, node: number): Ptr {
    return this.call("kmalloc_node", () => this.k.slab.kmallocNode(size, gfp, node));
  }

  kfree(p: Ptr, label = "kfree"): void {
    this.call(label, () => this.k.slab.kfree(p, this.ip(label)));
  }

  kfreeSensitive(p: Ptr): void {
    this.call("kfree_sensitive", () => this.k.slab.kfreeSensitive(p, this.ip("kfree_sensitive")));
  }

  krealloc(p: Ptr, size: number, gfp = GFP_KERNEL): Ptr {
    return this.call("krealloc", () => this.k.slab.krealloc(p, size, gfp, this.ip("krealloc")));
  }

  ksize(p: Ptr): number {
    return this.call("ksize", () => this.k.slab.ksize(p, this.ip("ksize")));
  }

  kmemCacheCreate(name: string, size: number, flags: number): KmemCache {
    return this.call("kmem_cache_create", () => this.k.slab.kmemCacheCreate(name, size, 0, flags));
  }

  kmemCacheAlloc(cache: KmemCache, gfp = GFP_KERNEL): Ptr {
    return this.call("kmem_cache_alloc", () => this.k.slab.kmemCacheAlloc(cache, gfp));
  }

  kmemCacheFree(cache: KmemCache, p: Ptr, label = "kmem_cache_free"): void {
    this.call(label, () => this.k.slab.kmemCacheFree(cache, p, this.ip(label)));
  }

  kmemCacheDestroy(cache: KmemCache, label = "kmem_cache_destroy"): void {
    this.call(label, () => this.k.slab.kmemCacheDestroy(cache, this.ip(label)));
  }

  /** alloc_pages(gfp, order): the page (pfn), or -1. */
  allocPages(order: number, gfp = GFP_KERNEL): number {
    return this.call("alloc_pages", () => this.k.pages.allocPages(gfp, order));
  }

  /** page_address(page). */
  pageAddress(pfn: number): Ptr {
    return this.k.pages.pageAddress(pfn);
  }

  /** free_pages(addr, order). */
  freePages(addr: Ptr, order: number): void {
    this.call("free_pages", () => this.k.pages.freePages(this.k.pages.virtToPfn(addr), order));
  }

  vmalloc(size: number): Ptr {
    // vm_struct.caller = __builtin_return_address(0) of vmalloc(), printed with %pS.
    const caller = this.k.ctx.kallsyms.format(this.ip("vmalloc"));
    return this.call("vmalloc", () => this.k.vmalloc.vmalloc(size, caller));
  }

  vfree(p: Ptr): void {
    this.call("vfree", () => this.k.vmalloc.vfree(p));
  }

  // --- tags ---

  getTag(p: Ptr): number {
    return this.backend?.getTag(p) ?? TAG_KERNEL;
  }

  setTag(p: Ptr, tag: number): Ptr {
    return this.backend?.setTag(p, tag) ?? p;
  }

  /** kasan_poison(ptr, size, value, false) (the suite imports it for match_all_mem_tag). */
  kasanPoison(p: Ptr, size: number, value: number): void {
    this.backend?.poison(p, size, value, false);
  }

  // --- stack and globals ---

  /** A global of kasan_test (registered at module init). */
  global(name: string): Ptr {
    const g = this.globals.get(name);
    if (g === undefined) throw new Error(`kasan_test has no global ${name}`);
    return g.addr;
  }

  /** The task's kernel stack (a VMAP stack, allocated the first time a case needs a frame). */
  private taskStack(): { ptr: TaskStackPointer; vm: Ptr; tag: number } {
    if (this.stack !== undefined) return this.stack;
    const size = threadSize(this.k.mode);
    // alloc_thread_stack_node() (inlined) passes __builtin_return_address(0): a site in dup_task_struct.
    const caller = this.k.ctx.kallsyms.format(this.k.ctx.kallsyms.callSite("dup_task_struct", "alloc_thread_stack_node"));
    const vm = this.k.vmalloc.vmallocNode(size, 2 * size, GFP_KERNEL | __GFP_ZERO, -1, caller);
    if (vm === 0) throw new Error("kunit_try_catch: out of memory for the thread stack");
    // alloc_thread_stack_node() hands out the stack with kasan_reset_tag(); the memory keeps its tag.
    const base = setTag(vm, TAG_KERNEL);
    // The kthread's outer frames (ret_from_fork … kunit_try_run_case) use the top of the stack.
    const sp = base + size - 0x1f0;
    this.stack = { ptr: new TaskStackPointer(base, size, sp), vm, tag: ptrTag(vm) };
    return this.stack;
  }

  /** Enter an instrumented frame of the running function with `locals`. */
  frame(locals: readonly StackLocal[]): InstrumentedFrame {
    const s = this.taskStack();
    const f = new InstrumentedFrame(this.backend, s.ptr, this.fnStack[this.fnStack.length - 1], locals, this.cfg.kasanStack);
    this.liveFrames.push(f);
    return f;
  }

  leaveFrame(f: InstrumentedFrame): void {
    const i = this.liveFrames.lastIndexOf(f);
    if (i >= 0) this.liveFrames.splice(i, 1);
    f.leave(this.stack?.tag ?? TAG_KERNEL);
  }

  /**
   * object_is_on_stack(addr) → kasan_print_address_stack_frame(addr) (report_generic.c): undefined
   * off this task's stack; no lines unless Generic with KASAN_STACK; otherwise the task line and,
   * when a frame's KASAN_STACK_LEFT redzone lies below `addr`, the offset in that frame, the
   * frame's function (%pS of its start) and the decoded frame description.
   */
  describeStackAddress(addr: number): string[] | undefined {
    const s = this.stack;
    if (s === undefined) return undefined;
    const base = ptrOffset(s.ptr.base);
    if (addr < base || addr >= base + s.ptr.size) return undefined;
    if (!this.generic || !this.cfg.kasanStack) return [];
    const lines = [`The buggy address belongs to stack of task ${this.k.ctx.comm}/${this.k.ctx.pid}`];
    // get_address_stack_frame_info(): walk down to the nearest frame's left redzone; the frame
    // record (magic, description, pc) starts at the frame base.
    let frame: InstrumentedFrame | undefined;
    for (const f of this.liveFrames) {
      const b = ptrOffset(f.base);
      if (b <= addr && (frame === undefined || b > ptrOffset(frame.base))) frame = f;
    }
    if (frame === undefined) return lines;
    const ks = this.k.ctx.kallsyms;
    lines.push(` and is located at offset ${addr - ptrOffset(frame.base)} in frame:`);
    lines.push(` ${ks.format(ks.ip(ks.sym(frame.fn, undefined, KASAN_TEST_MODULE), 0))}`);
    lines.push("", `This frame has ${frame.objects.length} ${frame.objects.length === 1 ? "object" : "objects"}:`);
    for (const o of frame.objects) lines.push(` [${o.offset}, ${o.offset + o.size}) '${o.name}'`);
    return lines;
  }

  /** kernel_or_module_addr(addr): the %pS of the kasan_test global holding `addr`. */
  static describeVariable(globals: Map<string, RegisteredGlobal>, addr: number): string | undefined {
    for (const g of globals.values()) {
      const start = ptrOffset(g.addr);
      if (addr >= start && addr < start + g.sizeWithRedzone) {
        return `${g.name}+0x${(addr - start).toString(16)}/0x${g.sizeWithRedzone.toString(16)} [${KASAN_TEST_MODULE}]`;
      }
    }
    return undefined;
  }

  /** Task exit: the stack goes back (vfree; the kernel would cache it). */
  release(): void {
    if (this.stack !== undefined) this.k.vmalloc.vfree(this.stack.vm);
    this.stack = undefined;
  }

  /** offset_in_page(p). */
  static offsetInPage(p: Ptr): number {
    return ptrOffset(p) % PAGE_SIZE;
  }
}

/** Module init of kasan_test: its globals registered with KASAN (__asan_register_globals). */
export function registerKasanTestGlobals(k: Kernel): Map<string, RegisteredGlobal> {
  return registerGlobals(k.kasan.backend, KASAN_TEST_BSS, KASAN_TEST_GLOBALS);
}
