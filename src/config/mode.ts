/**
 * The KASAN mode a simulated kernel is built with (CONFIG_KASAN_GENERIC / _SW_TAGS / _HW_TAGS,
 * or KASAN off). For hw_tags, `kasan=off` on the command line or a CPU without MTE leaves the
 * mode configured but disabled at run time; that is boot state, not a different mode.
 */
export const KASAN_MODES = ["generic", "sw_tags", "hw_tags", "off"] as const;
export type KasanMode = (typeof KASAN_MODES)[number];

export function isKasanMode(s: string): s is KasanMode {
  return (KASAN_MODES as readonly string[]).includes(s);
}

/** KASAN granule size in bytes: 8 for generic (1:8 shadow), 16 for both tag modes. */
export function granuleSize(mode: KasanMode): number {
  return mode === "generic" ? 8 : 16;
}

/** arm64 THREAD_SIZE with 4 KiB pages: 32 KiB for generic/sw_tags (KASAN_THREAD_SHIFT 1), else 16 KiB. */
export function threadSize(mode: KasanMode): number {
  return mode === "generic" || mode === "sw_tags" ? 32768 : 16384;
}
