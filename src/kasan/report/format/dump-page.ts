/**
 * dump_page(page, "kasan: bad access detected") as mm/debug.c (6.12) prints it, from a plain
 * description of the page (the kernel facade builds it from the memmap):
 *
 *   page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x4e1c0
 *   head: order:2 mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0     (large folios)
 *   flags: 0x40(head|node=0|zone=0|kasantag=0xc)                                (%pGp)
 *   page_type: f5(slab)                                                         (typed pages)
 *   raw: <8 words of struct page, 4 per line>
 *   head: <16 words of the folio's first two struct pages>                      (large folios)
 *   page dumped because: kasan: bad access detected
 *
 * page->flags is laid out as on arm64 with SPARSEMEM_VMEMMAP and NODES_SHIFT 4, without
 * NUMA-balancing cpupid bits: node in bits 60–63, zone in 58–59, the KASAN tag (tag modes,
 * stored XOR 0xff) in 50–57, PG_* bits from 0. Words of struct page the model does not track
 * (list links, mapping, slab_cache, freelist) print as 0.
 */
import { VMEMMAP_START_HEX, PHYS_PFN_OFFSET, STRUCT_PAGE_SIZE } from "../../../mm/memory-layout.js";

export interface PageDumpInfo {
  pfn: number;
  /** page_ref_count() of the folio. */
  refcount: number;
  /** Mapcount as printed (0 for typed pages). */
  mapcount: number;
  /** PG_* bits (bits 0..22) of page->flags. */
  flagBits: number;
  /** Names of the set PG_* bits in bit order (show_page_flags names). */
  flagNames: readonly string[];
  /** NUMA node and zone index. */
  node: number;
  zone: number;
  /** page_kasan_tag() in the tag modes; undefined for Generic (no tag field). */
  kasanTag?: number;
  /** page_type >> 24 (PGTY_*), or 0 when the page has no type. */
  pageType: number;
  /** Folio order (0 = not a large folio). */
  order: number;
  /** page->private (a free buddy block's order). */
  private?: number;
}

const NODES_PGSHIFT = 60;
const ZONES_PGSHIFT = 58;
const KASAN_TAG_PGSHIFT = 50;

const PAGE_TYPE_NAMES: Record<number, string> = {
  0xf0: "buddy",
  0xf1: "offline",
  0xf2: "table",
  0xf3: "guard",
  0xf4: "hugetlb",
  0xf5: "slab",
  0xf6: "zsmalloc",
  0xf7: "unaccepted",
};

/** The 64-bit page->flags value. */
export function pageFlagsValue(p: PageDumpInfo): bigint {
  let v = BigInt(p.flagBits >>> 0) | (BigInt(p.node) << BigInt(NODES_PGSHIFT)) | (BigInt(p.zone) << BigInt(ZONES_PGSHIFT));
  if (p.kasanTag !== undefined) v |= BigInt((p.kasanTag ^ 0xff) & 0xff) << BigInt(KASAN_TAG_PGSHIFT);
  return v;
}

/** %pGp: `0x<flags>(<names>|node=N|zone=Z[|kasantag=0xT])`. */
export function formatPageFlags(p: PageDumpInfo): string {
  const parts = [...p.flagNames, `node=${p.node}`, `zone=${p.zone}`];
  if (p.kasanTag !== undefined) parts.push(`kasantag=0x${((p.kasanTag ^ 0xff) & 0xff).toString(16)}`);
  return `0x${pageFlagsValue(p).toString(16)}(${parts.join("|")})`;
}

/** The struct page address of `pfn` in the vmemmap. */
export function structPageAddress(pfn: number): bigint {
  return BigInt(`0x${VMEMMAP_START_HEX}`) + BigInt((pfn - PHYS_PFN_OFFSET) * STRUCT_PAGE_SIZE);
}

function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, "0");
}

/** The eight words of the page's struct page. */
function rawWords(p: PageDumpInfo): bigint[] {
  const mapcountWord = p.pageType !== 0 ? BigInt(p.pageType) << 24n : 0xffffffffn; // page_type, or _mapcount −1
  return [pageFlagsValue(p), 0n, 0n, 0n, 0n, BigInt(p.private ?? 0), (BigInt(p.refcount) << 32n) | mapcountWord, 0n];
}

/**
 * The folio's second struct page as prep_compound_page() leaves it in 6.12 (struct folio's
 * page[1] view): _flags_1 holding the order in its low byte, _head_1 = compound_head | 1,
 * _large_mapcount and _entire_mapcount −1, _nr_pages_mapped and _pincount 0,
 * _folio_nr_pages = 1 << order, private 0, the tail's _mapcount −1 with _refcount 0, memcg 0.
 */
function secondPageWords(p: PageDumpInfo): bigint[] {
  return [BigInt(p.order), structPageAddress(p.pfn) | 1n, 0xffffffffffffffffn, 0n, BigInt(2 ** p.order), 0n, 0xffffffffn, 0n];
}

function hexDump(prefix: string, words: bigint[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 4) lines.push(prefix + words.slice(i, i + 4).map(hex16).join(" "));
  return lines;
}

/** dump_page(page, reason). */
export function dumpPageLines(p: PageDumpInfo, reason: string): string[] {
  const lines = [`page: refcount:${p.refcount} mapcount:${p.mapcount} mapping:0000000000000000 index:0x0 pfn:0x${p.pfn.toString(16)}`];
  if (p.order > 0) lines.push(`head: order:${p.order} mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0`);
  lines.push(`flags: ${formatPageFlags(p)}`);
  if (p.pageType !== 0) lines.push(`page_type: ${p.pageType.toString(16)}(${PAGE_TYPE_NAMES[p.pageType] ?? "unknown"})`);
  const raw = rawWords(p);
  lines.push(...hexDump("raw: ", raw));
  if (p.order > 0) lines.push(...hexDump("head: ", [...raw, ...secondPageWords(p)]));
  lines.push(`page dumped because: ${reason}`);
  return lines;
}
