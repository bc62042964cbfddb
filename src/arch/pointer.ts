/**
 * Kernel pointers as JS numbers.
 *
 * A simulated pointer is `tag * 2^44 + offset`: the 8-bit top-byte tag (the KASAN view: 0xF0|x
 * for an MTE logical tag x, 0x00–0xFF for the software tag mode, 0xFF = native/match-all) above
 * a 44-bit offset into the simulated address space. Tag·2^44 + offset < 2^52, so every pointer
 * is an exact double and arithmetic on the address part never touches the tag as long as it
 * stays inside the 44-bit space.
 *
 * The 44-bit space is split into regions that map to arm64 48-bit-VA kernel addresses
 * (arch/arm64/include/asm/memory.h, 4 KiB pages):
 *   [0, 2^42)            linear map:  VA = PAGE_OFFSET (0xffff000000000000) + offset
 *   [2^42, 2^43)         vmalloc:     VA = VMALLOC_START (0xffff800080000000) + (offset − 2^42)
 *                        (the kernel image, and so its globals, sits at the start of it)
 *   [2^43, 2^44)         user (TTBR0): VA = offset − 2^43 (NULL is the region's first byte)
 * Full 64-bit values are produced only at the edge (printing), from two exact halves.
 */
export type Ptr = number;

export const TAG_MUL = 2 ** 44;
export const OFFSET_MASK_BITS = 44;

export const LINEAR_BASE = 0;
export const LINEAR_SIZE = 2 ** 42;
export const VMALLOC_BASE = 2 ** 42;
export const VMALLOC_SIZE = 2 ** 42;
export const USER_BASE = 2 ** 43;
export const USER_SIZE = 2 ** 43;

/** KASAN_TAG_KERNEL: the native kernel pointer tag, match-all for both tag modes. */
export const TAG_KERNEL = 0xff;
/** KASAN_TAG_INVALID: the tag of inaccessible memory (freed objects, redzones). */
export const TAG_INVALID = 0xfe;

/** Low 48 VA bits of the start of each kernel region. */
const PAGE_OFFSET_LOW48 = 0x0000_0000_0000;
const VMALLOC_START_LOW48 = 0x8000_8000_0000;

export function makePtr(tag: number, offset: number): Ptr {
  return tag * TAG_MUL + offset;
}

/** The pointer's top-byte tag (KASAN view). */
export function ptrTag(p: Ptr): number {
  return Math.floor(p / TAG_MUL);
}

/** The pointer's untagged offset into the simulated address space. */
export function ptrOffset(p: Ptr): number {
  // Subtracting the floored multiple is exact here and several times faster than `%` (fmod).
  return p - Math.floor(p / TAG_MUL) * TAG_MUL;
}

/** __tag_set: replace the top byte. */
export function setTag(p: Ptr, tag: number): Ptr {
  return tag * TAG_MUL + ptrOffset(p);
}

/** kasan_reset_tag / __tag_reset: native kernel pointer (top byte 0xFF). */
export function resetTag(p: Ptr): Ptr {
  return TAG_KERNEL * TAG_MUL + ptrOffset(p);
}

export type Region = "linear" | "vmalloc" | "user";

export function regionOf(offset: number): Region {
  if (offset < VMALLOC_BASE) return "linear";
  if (offset < USER_BASE) return "vmalloc";
  return "user";
}

/** The 64-bit address as two exact halves: high 16 bits and low 48 bits. */
export function vaHalves(p: Ptr): { hi16: number; low48: number } {
  const tag = ptrTag(p);
  const off = ptrOffset(p);
  if (off < VMALLOC_BASE) return { hi16: (tag << 8) | 0xff, low48: PAGE_OFFSET_LOW48 + off };
  if (off < USER_BASE) return { hi16: (tag << 8) | 0xff, low48: VMALLOC_START_LOW48 + (off - VMALLOC_BASE) };
  return { hi16: tag << 8, low48: off - USER_BASE };
}

/** `%px`: 16 lowercase hex digits, e.g. `f7ff000012346070`. */
export function formatPx(p: Ptr): string {
  const { hi16, low48 } = vaHalves(p);
  return hi16.toString(16).padStart(4, "0") + low48.toString(16).padStart(12, "0");
}

/** The 64-bit address as a BigInt (for output edges only, never hot paths). */
export function toBigInt(p: Ptr): bigint {
  const { hi16, low48 } = vaHalves(p);
  return (BigInt(hi16) << 48n) | BigInt(low48);
}

/**
 * Parse a 64-bit address written in hex (with or without 0x, up to 16 digits) into a simulated
 * pointer. Returns undefined when the address lies outside the modelled regions.
 */
export function parsePx(text: string): Ptr | undefined {
  const s = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (s.length === 0 || s.length > 16 || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  const padded = s.padStart(16, "0");
  const hi16 = parseInt(padded.slice(0, 4), 16);
  const low48 = parseInt(padded.slice(4), 16);
  const tag = hi16 >>> 8;
  const signByte = hi16 & 0xff;
  if (signByte === 0xff) {
    if (low48 < VMALLOC_START_LOW48) {
      // Linear map (0x0000_xxxx_xxxx..0x7fff_xxxx_xxxx) — only the modelled 2^42 bytes.
      if (low48 - PAGE_OFFSET_LOW48 >= LINEAR_SIZE) return undefined;
      return makePtr(tag, low48 - PAGE_OFFSET_LOW48);
    }
    const v = low48 - VMALLOC_START_LOW48;
    if (v >= VMALLOC_SIZE) return undefined;
    return makePtr(tag, VMALLOC_BASE + v);
  }
  if (signByte === 0x00) {
    if (low48 >= USER_SIZE) return undefined;
    return makePtr(tag, USER_BASE + low48);
  }
  return undefined;
}

/** Build a user-space (TTBR0) pointer from a plain address, e.g. NULL + 16. */
export function userPtr(addr: number): Ptr {
  return USER_BASE + addr;
}
