/**
 * GFP flags (include/linux/gfp_types.h, Linux 6.12) and their trace-event spelling
 * (include/trace/events/mmflags.h `__def_gfpflag_names`, printed by `show_gfp_flags`).
 *
 * In 6.12 the bit numbers come from an enum (`___GFP_*_BIT`): the config-dependent bits
 * (__GFP_SKIP_ZERO and __GFP_SKIP_KASAN with CONFIG_KASAN_HW_TAGS, __GFP_NOLOCKDEP with
 * CONFIG_LOCKDEP, __GFP_NO_OBJ_EXT with CONFIG_SLAB_OBJ_EXT) take the next free numbers in that
 * order and are 0 when their option is off. The exported constants below are those of a
 * CONFIG_KASAN_HW_TAGS kernel without LOCKDEP and SLAB_OBJ_EXT; `gfpFor(mode)` gives the table
 * of another build, and `gfpForMode(gfp, mode)` turns a mask written with these constants into
 * the value a kernel of that mode would see (the SKIP bits vanish unless hw_tags).
 */
import type { KasanMode } from "../config/mode.js";

// --- ___GFP_*_BIT (enum order, 6.12) ---
export const ___GFP_DMA_BIT = 0;
export const ___GFP_HIGHMEM_BIT = 1;
export const ___GFP_DMA32_BIT = 2;
export const ___GFP_MOVABLE_BIT = 3;
export const ___GFP_RECLAIMABLE_BIT = 4;
export const ___GFP_HIGH_BIT = 5;
export const ___GFP_IO_BIT = 6;
export const ___GFP_FS_BIT = 7;
export const ___GFP_ZERO_BIT = 8;
/** 0x200 is unused. */
export const ___GFP_UNUSED_BIT = 9;
export const ___GFP_DIRECT_RECLAIM_BIT = 10;
export const ___GFP_KSWAPD_RECLAIM_BIT = 11;
export const ___GFP_WRITE_BIT = 12;
export const ___GFP_NOWARN_BIT = 13;
export const ___GFP_RETRY_MAYFAIL_BIT = 14;
export const ___GFP_NOFAIL_BIT = 15;
export const ___GFP_NORETRY_BIT = 16;
export const ___GFP_MEMALLOC_BIT = 17;
export const ___GFP_COMP_BIT = 18;
export const ___GFP_NOMEMALLOC_BIT = 19;
export const ___GFP_HARDWALL_BIT = 20;
export const ___GFP_THISNODE_BIT = 21;
export const ___GFP_ACCOUNT_BIT = 22;
export const ___GFP_ZEROTAGS_BIT = 23;
/** First config-dependent bit number (SKIP_ZERO under HW_TAGS). */
const FIRST_OPTIONAL_BIT = 24;

// --- __GFP_* (hw_tags build) ---
export const __GFP_DMA = 1 << ___GFP_DMA_BIT;
export const __GFP_HIGHMEM = 1 << ___GFP_HIGHMEM_BIT;
export const __GFP_DMA32 = 1 << ___GFP_DMA32_BIT;
export const __GFP_MOVABLE = 1 << ___GFP_MOVABLE_BIT;
export const __GFP_RECLAIMABLE = 1 << ___GFP_RECLAIMABLE_BIT;
export const __GFP_HIGH = 1 << ___GFP_HIGH_BIT;
export const __GFP_IO = 1 << ___GFP_IO_BIT;
export const __GFP_FS = 1 << ___GFP_FS_BIT;
export const __GFP_ZERO = 1 << ___GFP_ZERO_BIT;
export const __GFP_DIRECT_RECLAIM = 1 << ___GFP_DIRECT_RECLAIM_BIT;
export const __GFP_KSWAPD_RECLAIM = 1 << ___GFP_KSWAPD_RECLAIM_BIT;
export const __GFP_WRITE = 1 << ___GFP_WRITE_BIT;
export const __GFP_NOWARN = 1 << ___GFP_NOWARN_BIT;
export const __GFP_RETRY_MAYFAIL = 1 << ___GFP_RETRY_MAYFAIL_BIT;
export const __GFP_NOFAIL = 1 << ___GFP_NOFAIL_BIT;
export const __GFP_NORETRY = 1 << ___GFP_NORETRY_BIT;
export const __GFP_MEMALLOC = 1 << ___GFP_MEMALLOC_BIT;
export const __GFP_COMP = 1 << ___GFP_COMP_BIT;
export const __GFP_NOMEMALLOC = 1 << ___GFP_NOMEMALLOC_BIT;
export const __GFP_HARDWALL = 1 << ___GFP_HARDWALL_BIT;
export const __GFP_THISNODE = 1 << ___GFP_THISNODE_BIT;
export const __GFP_ACCOUNT = 1 << ___GFP_ACCOUNT_BIT;
export const __GFP_ZEROTAGS = 1 << ___GFP_ZEROTAGS_BIT;
/** CONFIG_KASAN_HW_TAGS only (0 otherwise): skip page_alloc zeroing, see should_skip_init. */
export const __GFP_SKIP_ZERO = 1 << 24;
/** CONFIG_KASAN_HW_TAGS only (0 otherwise): skip kasan_unpoison_pages (page tag stays 0xFF). */
export const __GFP_SKIP_KASAN = 1 << 25;
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
/** GFP_MOVABLE_MASK / GFP_MOVABLE_SHIFT (include/linux/gfp.h): the migratetype bits. */
export const GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;
export const GFP_MOVABLE_SHIFT = 3;

// --- composites (hw_tags build) ---
export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
/** 6.12 value; __GFP_NOWARN joined GFP_NOWAIT only in 6.18. */
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN;
export const GFP_TRANSHUGE_LIGHT =
  (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
export const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

/** The build options that move or remove GFP bits. */
export interface GfpConfig {
  /** CONFIG_KASAN_HW_TAGS: __GFP_SKIP_ZERO / __GFP_SKIP_KASAN exist. */
  readonly kasanHwTags: boolean;
  /** CONFIG_LOCKDEP: __GFP_NOLOCKDEP exists (default false). */
  readonly lockdep?: boolean;
  /** CONFIG_SLAB_OBJ_EXT (MEMCG or MEM_ALLOC_PROFILING): __GFP_NO_OBJ_EXT exists (default false). */
  readonly slabObjExt?: boolean;
}

/** Every GFP name a 6.12 kernel defines (single bits, __GFP_RECLAIM and the GFP_* composites). */
export type GfpName =
  | "__GFP_DMA" | "__GFP_HIGHMEM" | "__GFP_DMA32" | "__GFP_MOVABLE" | "__GFP_RECLAIMABLE"
  | "__GFP_HIGH" | "__GFP_IO" | "__GFP_FS" | "__GFP_ZERO" | "__GFP_DIRECT_RECLAIM"
  | "__GFP_KSWAPD_RECLAIM" | "__GFP_WRITE" | "__GFP_NOWARN" | "__GFP_RETRY_MAYFAIL"
  | "__GFP_NOFAIL" | "__GFP_NORETRY" | "__GFP_MEMALLOC" | "__GFP_COMP" | "__GFP_NOMEMALLOC"
  | "__GFP_HARDWALL" | "__GFP_THISNODE" | "__GFP_ACCOUNT" | "__GFP_ZEROTAGS" | "__GFP_SKIP_ZERO"
  | "__GFP_SKIP_KASAN" | "__GFP_NOLOCKDEP" | "__GFP_NO_OBJ_EXT" | "__GFP_RECLAIM"
  | "GFP_ATOMIC" | "GFP_KERNEL" | "GFP_KERNEL_ACCOUNT" | "GFP_NOWAIT" | "GFP_NOIO" | "GFP_NOFS"
  | "GFP_USER" | "GFP_DMA" | "GFP_DMA32" | "GFP_HIGHUSER" | "GFP_HIGHUSER_MOVABLE"
  | "GFP_TRANSHUGE_LIGHT" | "GFP_TRANSHUGE";

/** The GFP values of one kernel build, and the table `show_gfp_flags` prints with. */
export interface GfpTable {
  readonly config: Required<GfpConfig>;
  /** Value of every name (0 for a bit the build does not have). */
  readonly value: Readonly<Record<GfpName, number>>;
  /** __def_gfpflag_names (+ __def_gfpflag_names_kasan), in the kernel's order. */
  readonly printOrder: readonly (readonly [number, GfpName])[];
  /** __GFP_BITS_MASK: (1 << ___GFP_LAST_BIT) - 1. */
  readonly bitsMask: number;
}

/** __def_gfpflag_names in 6.12: composites first (most bits first), then single bits. */
const PRINT_NAMES: readonly GfpName[] = [
  "GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER",
  "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT", "GFP_DMA",
  "__GFP_HIGHMEM", "GFP_DMA32", "__GFP_HIGH", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN",
  "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO",
  "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE",
  "__GFP_MOVABLE", "__GFP_ACCOUNT", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM",
  "__GFP_KSWAPD_RECLAIM", "__GFP_ZEROTAGS",
];
/** __def_gfpflag_names_kasan: appended only with CONFIG_KASAN_HW_TAGS. */
const PRINT_NAMES_KASAN: readonly GfpName[] = ["__GFP_SKIP_ZERO", "__GFP_SKIP_KASAN"];

function buildTable(cfg: Required<GfpConfig>): GfpTable {
  let nextBit = FIRST_OPTIONAL_BIT;
  const skipZero = cfg.kasanHwTags ? 1 << nextBit++ : 0;
  const skipKasan = cfg.kasanHwTags ? 1 << nextBit++ : 0;
  const noLockdep = cfg.lockdep ? 1 << nextBit++ : 0;
  const noObjExt = cfg.slabObjExt ? 1 << nextBit++ : 0;
  const lastBit = nextBit;
  const highuser = GFP_USER | __GFP_HIGHMEM;
  const highuserMovable = highuser | __GFP_MOVABLE | skipKasan;
  const transhugeLight = (highuserMovable | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
  const value: Record<GfpName, number> = {
    __GFP_DMA, __GFP_HIGHMEM, __GFP_DMA32, __GFP_MOVABLE, __GFP_RECLAIMABLE, __GFP_HIGH, __GFP_IO,
    __GFP_FS, __GFP_ZERO, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_WRITE, __GFP_NOWARN,
    __GFP_RETRY_MAYFAIL, __GFP_NOFAIL, __GFP_NORETRY, __GFP_MEMALLOC, __GFP_COMP, __GFP_NOMEMALLOC,
    __GFP_HARDWALL, __GFP_THISNODE, __GFP_ACCOUNT, __GFP_ZEROTAGS,
    __GFP_SKIP_ZERO: skipZero,
    __GFP_SKIP_KASAN: skipKasan,
    __GFP_NOLOCKDEP: noLockdep,
    __GFP_NO_OBJ_EXT: noObjExt,
    __GFP_RECLAIM,
    GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_NOWAIT, GFP_NOIO, GFP_NOFS, GFP_USER, GFP_DMA,
    GFP_DMA32,
    GFP_HIGHUSER: highuser,
    GFP_HIGHUSER_MOVABLE: highuserMovable,
    GFP_TRANSHUGE_LIGHT: transhugeLight,
    GFP_TRANSHUGE: transhugeLight | __GFP_DIRECT_RECLAIM,
  };
  const names = cfg.kasanHwTags ? [...PRINT_NAMES, ...PRINT_NAMES_KASAN] : PRINT_NAMES;
  return {
    config: cfg,
    value,
    printOrder: names.map((n) => [value[n], n] as const),
    bitsMask: 2 ** lastBit - 1,
  };
}

const tableCache = new Map<string, GfpTable>();

/** The GFP table of a build with the given options. */
export function gfpTable(config: GfpConfig): GfpTable {
  const cfg: Required<GfpConfig> = {
    kasanHwTags: config.kasanHwTags,
    lockdep: config.lockdep ?? false,
    slabObjExt: config.slabObjExt ?? false,
  };
  const key = `${+cfg.kasanHwTags}${+cfg.lockdep}${+cfg.slabObjExt}`;
  let t = tableCache.get(key);
  if (t === undefined) {
    t = buildTable(cfg);
    tableCache.set(key, t);
  }
  return t;
}

/** The GFP table of a kernel built with KASAN `mode` (hw_tags ⇒ CONFIG_KASAN_HW_TAGS). */
export function gfpFor(mode: KasanMode, extra: Omit<GfpConfig, "kasanHwTags"> = {}): GfpTable {
  return gfpTable({ ...extra, kasanHwTags: mode === "hw_tags" });
}

const SKIP_BITS = __GFP_SKIP_ZERO | __GFP_SKIP_KASAN;

/**
 * A mask written with this module's constants as a kernel built for `mode` sees it: without
 * CONFIG_KASAN_HW_TAGS, __GFP_SKIP_ZERO and __GFP_SKIP_KASAN are 0, so they drop out.
 */
export function gfpForMode(gfp: number, mode: KasanMode): number {
  return mode === "hw_tags" ? gfp : (gfp & ~SKIP_BITS) >>> 0;
}

/** show_gfp_flags / __print_flags: greedy match in table order, leftover bits as `0x%lx`. */
export function formatGfp(gfp: number, table: GfpTable = gfpFor("hw_tags")): string {
  if (!Number.isInteger(gfp) || gfp < 0 || gfp > 0xffffffff) {
    throw new Error(`formatGfp: gfp must be a 32-bit unsigned integer, got ${gfp}`);
  }
  if (gfp === 0) return "none";
  let flags = gfp;
  const out: string[] = [];
  const order = table.printOrder;
  for (let i = 0; i < order.length && flags !== 0; i++) {
    const mask = order[i][0];
    if ((flags & mask) >>> 0 !== mask) continue;
    flags = (flags & ~mask) >>> 0;
    out.push(order[i][1]);
  }
  if (flags !== 0) out.push("0x" + flags.toString(16));
  return out.join("|");
}

/**
 * Parse a gfp mask as traces print it (`GFP_KERNEL|__GFP_ZERO`, `none`, `0x400000`, or a mix)
 * into its value for `table`'s build. Every name the kernel defines is accepted, including
 * those a build sets to 0; an unknown name throws an error naming it.
 */
export function parseGfp(text: string, table: GfpTable = gfpFor("hw_tags")): number {
  const s = text.trim();
  if (s === "none" || s === "0") return 0;
  if (s.length === 0) throw new Error(`parseGfp: gfp text must be non-empty (flag names joined by "|")`);
  let v = 0;
  for (const raw of s.split("|")) {
    const tok = raw.trim();
    if (/^0x[0-9a-f]+$/i.test(tok)) {
      const n = parseInt(tok.slice(2), 16);
      if (n > 0xffffffff) throw new Error(`parseGfp: hex value "${tok}" does not fit gfp_t (32 bits)`);
      v = (v | n) >>> 0;
      continue;
    }
    const val = (table.value as Record<string, number | undefined>)[tok];
    if (val === undefined || !Object.prototype.hasOwnProperty.call(table.value, tok)) {
      throw new Error(`parseGfp: unknown gfp flag name "${tok}" in "${text}" (expected a GFP_*/__GFP_* name or 0x hex)`);
    }
    v = (v | val) >>> 0;
  }
  return v;
}

/** gfp_migratetype(): MIGRATE_UNMOVABLE 0, MIGRATE_MOVABLE 1, MIGRATE_RECLAIMABLE 2. */
export function gfpMigratetype(gfp: number): number {
  return (gfp & GFP_MOVABLE_MASK) >>> GFP_MOVABLE_SHIFT;
}

/** gfpflags_allow_blocking(): the caller may sleep (direct reclaim allowed). */
export function gfpflagsAllowBlocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}
