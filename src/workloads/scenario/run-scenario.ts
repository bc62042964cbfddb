/**
 * Running a validated scenario on a booted kernel: one task (`current`) executes the steps in
 * order, each inside the scenario's function so that allocations, frees and accesses have a
 * call stack and reports name a `%pS` location — `in oob_write_after_kmalloc+0x2c/0x1f4`.
 * A step with `fn: f` runs in function `f`, called from the scenario's function.
 *
 * The run stops early when a report panicked the kernel (kasan.fault=panic, panic_on_warn) or
 * the model hit a kernel BUG it cannot continue past (e.g. SLUB freelist corruption after a
 * double free KASAN did not catch, a page freed twice).
 */
import { setTag, formatPx, ptrOffset, TAG_MUL, type Ptr } from "../../arch/pointer.js";
import { HwTagsBackend } from "../../kasan/hw_tags/hw-tags-backend.js";
import type { KasanReportEvent } from "../../kasan/report/event.js";
import type { Kernel } from "../../kernel/kernel.js";
import { gfpFor, parseGfp } from "../../mm/gfp.js";
import type { KmemCache } from "../../mm/slab/kmem-cache.js";
import { SlubBugError } from "../../mm/slab/slab-allocator.js";
import { ScenarioError } from "./parse-scenario.js";
import type { PtrRef, Scenario, ScenarioOp, ScenarioStep } from "./scenario.js";

export interface StepResult {
  step: number;
  op: ScenarioOp;
  /** The pointer the step bound (as %px): allocations, krealloc, set_tag, reset_tag. */
  ptr?: string;
  /** ksize()'s return value. */
  value?: number;
  /** Indices into ScenarioRun.reports of the reports raised during the step. */
  reports: number[];
}

export interface ScenarioRun {
  scenario: Scenario;
  steps: StepResult[];
  /** Reports raised by the scenario, in order. */
  reports: KasanReportEvent[];
  /** The step whose report panicked the kernel, and the panic message. */
  panic?: { step: number; message: string };
  /** The step at which the simulated kernel hit a BUG the model cannot continue past. */
  bug?: { step: number; message: string };
}

interface Binding {
  ptr: Ptr;
  /** alloc_pages order, for a later free_pages without one. */
  order?: number;
}

/**
 * Run `sc` on `k` as task sc.task (a kthread: ret_from_fork → kthread → the scenario's
 * function); returns the per-step results and the reports. `current` is restored afterwards.
 */
export function runScenario(k: Kernel, sc: Scenario): ScenarioRun {
  const ctx = k.ctx;
  if (sc.task.cpu >= ctx.nrCpus) {
    throw new ScenarioError(`${sc.file}: field "task.cpu": CPU ${sc.task.cpu} is not online (the kernel has ${ctx.nrCpus} CPUs: 0–${ctx.nrCpus - 1})`);
  }
  const saved = { pid: ctx.pid, comm: ctx.comm, cpu: ctx.cpu, callStack: ctx.callStack };
  const ks = ctx.kallsyms;
  ks.sym(sc.function);
  // The task is a kthread whose thread function is the scenario's function.
  ctx.pid = sc.task.pid;
  ctx.comm = sc.task.comm;
  ctx.cpu = sc.task.cpu;
  ctx.callStack = [ks.callSite("ret_from_fork", "kthread"), ks.callSite("kthread", sc.function)];
  try {
    return runSteps(k, sc);
  } finally {
    ctx.pid = saved.pid;
    ctx.comm = saved.comm;
    ctx.cpu = saved.cpu;
    ctx.callStack = saved.callStack;
  }
}

function runSteps(k: Kernel, sc: Scenario): ScenarioRun {
  const ctx = k.ctx;
  const ks = ctx.kallsyms;
  const exec = new StepExecutor(k, sc);
  const events = k.reports.events;
  const first = events.length;
  const run: ScenarioRun = { scenario: sc, steps: [], reports: [] };

  for (const step of sc.steps) {
    const before = events.length;
    const result: StepResult = { step: step.step, op: step.op, reports: [] };
    run.steps.push(result);
    const tag = `${step.op}#${step.step}`;
    try {
      if (step.fn === undefined) {
        const ip = ks.callSite(sc.function, tag);
        ctx.call(ip, () => exec.run(step, ip, result));
      } else {
        const fnName = step.fn;
        const inner = ks.callSite(fnName, tag);
        ctx.call(ks.callSite(sc.function, `${fnName}#${step.step}`), () => ctx.call(inner, () => exec.run(step, inner, result)));
      }
    } catch (e) {
      if (e instanceof ScenarioError || !(e instanceof Error) || e instanceof TypeError || e instanceof ReferenceError) throw e;
      // A kernel BUG (SlubBugError) or a state the model refuses (a page freed twice, …).
      run.bug = { step: step.step, message: e instanceof SlubBugError ? e.message : `${e.message}` };
    }
    for (let i = before; i < events.length; i++) result.reports.push(i - first);
    if (run.bug !== undefined) break;
    if (k.reports.panicked !== undefined) {
      run.panic = { step: step.step, message: k.reports.panicked };
      break;
    }
  }
  run.reports = events.slice(first);
  return run;
}

class StepExecutor {
  private readonly names = new Map<string, Binding>();
  private readonly caches = new Map<string, KmemCache>();
  private readonly gfpTable;

  constructor(
    private readonly k: Kernel,
    private readonly sc: Scenario,
  ) {
    this.gfpTable = gfpFor(k.mode);
  }

  private fail(step: ScenarioStep, field: string, what: string): never {
    const at = step.line > 0 ? `${this.sc.file}:${step.line}` : this.sc.file;
    throw new ScenarioError(`${at}: step ${step.step} (${step.op}): field "${field}": ${what}`);
  }

  /** The pointer a reference names, plus its offset (pointer arithmetic keeps the tag). */
  private ptr(step: ScenarioStep, field: string, ref: PtrRef | undefined): Ptr {
    if (ref === undefined) throw new Error(`scenario: step ${step.step} has no ${field}`);
    const b = this.names.get(ref.name);
    if (b === undefined) throw new Error(`scenario: ${ref.name} is unbound at step ${step.step}`);
    const off = ptrOffset(b.ptr) + ref.offset;
    if (off < 0 || off >= TAG_MUL) this.fail(step, field, `${ref.name}${ref.offset < 0 ? "" : "+"}${ref.offset} leaves the 2^44-byte address space of the model (${ref.name} is ${formatPx(b.ptr)})`);
    return b.ptr + ref.offset;
  }

  private gfp(step: ScenarioStep): number {
    return parseGfp(step.gfp ?? "GFP_KERNEL", this.gfpTable);
  }

  private cache(step: ScenarioStep): KmemCache {
    const c = this.caches.get(step.cache ?? "");
    if (c === undefined) throw new Error(`scenario: cache ${String(step.cache)} is unbound at step ${step.step}`);
    return c;
  }

  private bind(step: ScenarioStep, result: StepResult, ptr: Ptr, order?: number): void {
    if (step.as === undefined) return;
    this.names.set(step.as, { ptr, order });
    result.ptr = formatPx(ptr);
  }

  run(step: ScenarioStep, ip: number, result: StepResult): void {
    const k = this.k;
    const size = step.size ?? 0;
    switch (step.op) {
      case "kmalloc":
        return this.bind(step, result, k.slab.kmalloc(size, this.gfp(step)));
      case "kzalloc":
        return this.bind(step, result, k.slab.kzalloc(size, this.gfp(step)));
      case "kmalloc_node": {
        const node = step.node ?? -1;
        // One NUMA node is modelled.
        if (node !== -1 && node !== 0) this.fail(step, "node", `expected 0 or NUMA_NO_NODE (-1): the model has one node, got ${node}`);
        return this.bind(step, result, k.slab.kmallocNode(size, this.gfp(step), node));
      }
      case "krealloc":
        return this.bind(step, result, k.slab.krealloc(this.ptr(step, "ptr", step.ptr), size, this.gfp(step), ip));
      case "kfree":
        return k.slab.kfree(this.ptr(step, "ptr", step.ptr), ip);
      case "kfree_sensitive":
        return k.slab.kfreeSensitive(this.ptr(step, "ptr", step.ptr), ip);
      case "ksize":
        result.value = k.slab.ksize(this.ptr(step, "ptr", step.ptr), ip);
        return;
      case "kmem_cache_create": {
        const align = step.align ?? 0;
        if (align !== 0 && (align & (align - 1)) !== 0) this.fail(step, "align", `expected 0 or a power of two, got ${align}`);
        const ctor = step.ctor === undefined ? undefined : this.ctor(step.ctor);
        const cache = k.slab.kmemCacheCreate(step.name ?? "", size, align, step.flags ?? 0, ctor);
        if (step.as !== undefined) this.caches.set(step.as, cache);
        return;
      }
      case "kmem_cache_alloc":
        return this.bind(step, result, k.slab.kmemCacheAlloc(this.cache(step), this.gfp(step)));
      case "kmem_cache_free":
        return k.slab.kmemCacheFree(this.cache(step), this.ptr(step, "ptr", step.ptr), ip);
      case "kmem_cache_destroy":
        return k.slab.kmemCacheDestroy(this.cache(step), ip);
      case "alloc_pages": {
        const order = step.order ?? 0;
        const pfn = k.pages.allocPages(this.gfp(step), order);
        return this.bind(step, result, pfn < 0 ? 0 : k.pages.pageAddress(pfn), order);
      }
      case "free_pages": {
        const p = this.ptr(step, "ptr", step.ptr);
        const order = step.order ?? this.names.get(step.ptr?.name ?? "")?.order ?? 0;
        // free_pages(0, order) is a no-op.
        if (p === 0) return;
        const pfn = k.pages.virtToPfn(p);
        if (pfn < 0) this.fail(step, "ptr", `${formatPx(p)} is not a linear-map address of RAM (free_pages needs one)`);
        return k.pages.freePages(pfn, order);
      }
      case "vmalloc":
        return this.bind(step, result, k.vmalloc.vmalloc(size, this.k.ctx.kallsyms.format(ip)));
      case "__vmalloc":
        return this.bind(step, result, k.vmalloc.__vmalloc(size, this.gfp(step), this.k.ctx.kallsyms.format(ip)));
      case "vfree":
        return k.vmalloc.vfree(this.ptr(step, "ptr", step.ptr));
      case "read":
        k.access.read(this.ptr(step, "ptr", step.ptr), size, ip);
        return;
      case "write":
        k.access.write(this.ptr(step, "ptr", step.ptr), size, ip);
        return;
      case "memset":
        k.access.memset(this.ptr(step, "ptr", step.ptr), step.value ?? 0, size, ip);
        return;
      case "memcpy":
        k.access.memcpy(this.ptr(step, "dst", step.dst), this.ptr(step, "src", step.src), size, ip);
        return;
      case "memmove":
        k.access.memmove(this.ptr(step, "dst", step.dst), this.ptr(step, "src", step.src), size, ip);
        return;
      case "set_tag": {
        const p = this.ptr(step, "ptr", step.ptr);
        const backend = k.kasan.backend;
        // Generic's set_tag() leaves the pointer as it is; without KASAN it is arm64's __tag_set().
        return this.bind(step, result, backend === undefined ? setTag(p, step.tag ?? 0) : backend.setTag(p, step.tag ?? 0));
      }
      case "reset_tag":
        return this.bind(step, result, k.kasan.hooks.resetTag(this.ptr(step, "ptr", step.ptr)));
      case "call_rcu_kfree": {
        const p = this.ptr(step, "ptr", step.ptr);
        const ks = this.k.ctx.kallsyms;
        const cb = `${this.sc.function}_rcu_free`;
        // call_rcu() records the aux stack (Generic) before queueing the callback.
        k.kasan.hooks.recordAuxStack(p);
        k.rcu.callRcu(() => this.k.ctx.call(ks.callSite("rcu_do_batch", cb), () => {
          const kfreeIp = ks.callSite(cb, "kfree");
          this.k.ctx.call(kfreeIp, () => k.slab.kfree(p, kfreeIp));
        }), "call_rcu");
        return;
      }
      case "synchronize_rcu":
        return k.rcu.synchronizeRcu();
      case "rcu_barrier":
        return k.rcu.barrier();
      case "enable_checks": {
        // kasan_enable_hw_tags() on this CPU; the other modes have no per-CPU checks to re-arm.
        const backend = k.kasan.backend;
        if (backend instanceof HwTagsBackend) backend.enableHwTags(k.ctx.cpu);
        return;
      }
    }
  }

  /** A constructor (named for the reader; it touches nothing, so it needs no frame). */
  private ctor(_name: string): (p: Ptr) => void {
    return () => undefined;
  }
}
