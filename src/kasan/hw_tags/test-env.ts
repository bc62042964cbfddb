/**
 * A small HW_TAGS machine for this folder's tests: one Counters/ExecContext/Prng, the MTE model,
 * the real page allocator's memmap as page-tag storage, KASAN built by createKasan("hw_tags"),
 * the page allocator itself (post_alloc_hook / free_pages_prepare calling KASAN, MTE page ops),
 * and a fake address describer for hand-placed slabs.
 */
import { Mte, MteArchPageOps, type Ptr } from "../../arch/index.js";
import { makePtr } from "../../arch/pointer.js";
import type { BootParams } from "../../config/boot-params.js";
import { parseCmdline } from "../../config/cmdline.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { Prng } from "../../lib/prng.js";
import { PHYS_PFN_OFFSET, pfnToOffset } from "../../mm/memory-layout.js";
import { createPageArray, PageAllocator, type PageArray } from "../../mm/page_alloc/index.js";
import { createKasan, type Kasan } from "../kasan.js";
import type { KasanReportEvent } from "../report/event.js";
import { FakeDescriber } from "../testing/fakes.js";
import type { HwTagsBackend } from "./hw-tags-backend.js";

export interface HwTagsTestOpts {
  cmdline?: string;
  nrCpus?: number;
  seed?: number;
  /** ARM64_MTE_ASYMM (default true). */
  asymmSupported?: boolean;
  /** system_supports_mte() (default true). */
  systemSupportsMte?: boolean;
}

export interface HwTagsTestEnv {
  counters: Counters;
  ctx: ExecContext;
  params: BootParams;
  mte: Mte;
  pages: PageArray;
  kasan: Kasan;
  b: HwTagsBackend;
  pa: PageAllocator;
  describer: FakeDescriber;
  events: KasanReportEvent[];
}

/** 8 MiB of RAM, nothing reserved, so the first pages handed out are deterministic. */
const TEST_MEMORY_BYTES = 8 << 20;

export function makeHwTagsEnv(o: HwTagsTestOpts = {}): HwTagsTestEnv {
  const nrCpus = o.nrCpus ?? 2;
  const counters = new Counters();
  const ctx = new ExecContext(nrCpus);
  ctx.pid = 42;
  ctx.comm = "kunit_try_catch";
  const prng = new Prng(o.seed ?? 1);
  const { params } = parseCmdline("hw_tags", o.cmdline ?? "");
  const mte = new Mte({ nrCpus, prng, counters, asymmSupported: o.asymmSupported });
  const pages = createPageArray(TEST_MEMORY_BYTES);
  const kasan = createKasan("hw_tags", params, { counters, ctx, prng, pageTags: pages, mte, systemSupportsMte: o.systemSupportsMte });
  const describer = new FakeDescriber();
  kasan.setAddressDescriber(describer);
  const pa = new PageAllocator({
    memoryBytes: TEST_MEMORY_BYTES,
    reservedBytes: 0,
    nrCpus,
    ctx,
    counters,
    hooks: kasan.hooks,
    arch: new MteArchPageOps(mte, PHYS_PFN_OFFSET),
    initOnAlloc: params.initOnAlloc,
    initOnFree: params.initOnFree,
    mode: "hw_tags",
    pages,
  });
  return { counters, ctx, params, mte, pages, kasan, b: kasan.backend as HwTagsBackend, pa, describer, events: kasan.reports.events };
}

/** The logical MTE tag of every granule in [off, off+size), read without counting LDGs. */
export function granuleTags(mte: Mte, off: number, size: number): number[] {
  const out: number[] = [];
  for (let a = off; a < off + size; a += 16) out.push(0xf0 | mte.peekTag(makePtr(0xff, a)));
  return out;
}

/** The instruction counters mte_set_mem_tag_range and the page ops touch. */
export function tagInsns(c: Counters): Record<string, number> {
  const s = c.cur;
  return { irg: s.irg, stg: s.stg, stzg: s.stzg, dcGva: s.dcGva, dcGzva: s.dcGzva, granulesTagged: s.granulesTagged, bytesZeroed: s.bytesZeroed };
}

/** Linear-map offset of a pfn, and a pointer to it with `tag`. */
export function pagePtr(pfn: number, tag: number): Ptr {
  return makePtr(tag, pfnToOffset(pfn));
}
