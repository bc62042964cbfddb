/**
 * Per-page KASAN tags (page->flags KASAN_TAG bits; page_kasan_tag / _set / _reset), owned by
 * the page allocator's PageArray. Tag modes only: page_address() of a page is tagged with it.
 * A page that was never tagged reads 0xFF (KASAN_TAG_KERNEL).
 */
export interface PageTags {
  setKasanTag(pfn: number, tag: number): void;
  kasanTag(pfn: number): number;
  resetKasanTag(pfn: number): void;
}
