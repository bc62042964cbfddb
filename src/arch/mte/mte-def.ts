/**
 * MTE architectural constants as the kernel names them (arch/arm64/include/asm/mte-def.h,
 * asm/sysreg.h) and the kernel's GCR_EL1 exclude set for HW_TAGS KASAN.
 */

/** MTE_GRANULE_SIZE: bytes covered by one 4-bit allocation tag. */
export const MTE_GRANULE_SIZE = 16;
/** log2(MTE_GRANULE_SIZE). */
export const MTE_GRANULE_SHIFT = 4;
/** The arm64 page size this model follows (4 KiB pages). */
export const MTE_PAGE_SIZE = 4096;
/** MTE_GRANULES_PER_PAGE = PAGE_SIZE / MTE_GRANULE_SIZE. */
export const MTE_GRANULES_PER_PAGE = MTE_PAGE_SIZE / MTE_GRANULE_SIZE;
/** MTE_TAG_SHIFT: the logical tag sits in pointer bits [56:60). */
export const MTE_TAG_SHIFT = 56;
/** MTE_TAG_SIZE: tag width in bits. */
export const MTE_TAG_SIZE = 4;
/** Number of distinct logical tags. */
export const MTE_TAG_COUNT = 1 << MTE_TAG_SIZE;
/** The logical tag that TCR_EL1.TCMA1 makes match-all for TTBR1 (kernel) addresses. */
export const MTE_TAG_MATCH_ALL = 0xf;

/** SYS_GCR_EL1_RRND: IRG draws from the implementation's random source. */
export const SYS_GCR_EL1_RRND = 1 << 16;
/** SYS_GCR_EL1_EXCL_MASK: GCR_EL1.Exclude, one bit per logical tag. */
export const SYS_GCR_EL1_EXCL_MASK = 0xffff;
/**
 * KERNEL_GCR_EL1_EXCL with HW_TAGS: every tag outside GENMASK(KASAN_TAG_MAX & 0xf,
 * KASAN_TAG_MIN & 0xf) = tags 0x0..0xD is excluded, i.e. 0xE (KASAN_TAG_INVALID) and 0xF
 * (match-all) are never produced by IRG.
 */
export const KERNEL_GCR_EL1_EXCL = SYS_GCR_EL1_EXCL_MASK & ~0x3fff;

/** Default DC GVA / DC GZVA block size (DCZID_EL0.BS = 4 → 4 << 4 = 64 bytes). */
export const DEFAULT_DCZID_BLOCK_SIZE = 64;
/** Default LDGM/STGM block size (GMID_EL1.BS = 6 → 256 bytes, as QEMU's `-cpu max`). */
export const DEFAULT_GMID_BLOCK_SIZE = 256;
