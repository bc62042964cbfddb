import { describe, expect, it } from "vitest";
import { CHUNK_UNITS } from "../../lib/sparse-bytes.js";
import { VMALLOC_BASE } from "../pointer.js";
import { TagStorage, type TaggedMappingLookup } from "./tag-storage.js";

const GiB = 2 ** 30;

describe("MTE allocation tag storage", () => {
  it("reads tag 0 for untouched memory and costs nothing until written", () => {
    const s = new TagStorage();
    expect(s.readTag(0)).toBe(0);
    expect(s.readTag(16 * GiB - 16)).toBe(0);
    expect(s.bytesAllocated).toBe(0);
  });

  it("a 16 GiB machine pays only for the chunks it tags", () => {
    const s = new TagStorage();
    // Two 4 KiB pages, one at the start and one near the end of 16 GiB: each lies in its own
    // 2 MiB chunk (CHUNK_UNITS granules × 16 bytes), so exactly 2 chunks are materialised.
    s.fillTags(0, 4096, 5);
    s.fillTags(16 * GiB - 4096, 4096, 9);
    expect(s.bytesAllocated).toBe(2 * CHUNK_UNITS);
    expect(s.readTag(4095)).toBe(5);
    expect(s.readTag(4096)).toBe(0);
    expect(s.readTag(16 * GiB - 1)).toBe(9);
    expect(s.readTag(16 * GiB - 4097)).toBe(0);
  });

  it("tags one granule per 16 bytes and finds the first mismatching granule", () => {
    const s = new TagStorage();
    s.fillTags(0x1000, 0x100, 3);
    s.fillTags(0x1050, 16, 4);
    expect(s.readTag(0x104f)).toBe(3);
    expect(s.readTag(0x1050)).toBe(4);
    expect(s.readTag(0x105f)).toBe(4);
    expect(s.readTag(0x1060)).toBe(3);
    expect(s.findMismatch(0x1000, 0x50, 3)).toBe(-1);
    // Bytes [0x1048, 0x1058) touch granules 0x1040 and 0x1050; the latter mismatches.
    expect(s.findMismatch(0x1048, 16, 3)).toBe(0x1050);
  });

  it("follows mm's vmalloc mapping so tags live with the page frame", () => {
    const s = new TagStorage();
    // vmalloc page 0 → frame at linear 0x8000, page 1 → frame at linear 0x3000, page 2 untagged.
    const map = new Map<number, number>([
      [VMALLOC_BASE, 0x8000],
      [VMALLOC_BASE + 4096, 0x3000],
    ]);
    const lookup: TaggedMappingLookup = { vmallocTaggedPhys: (page) => map.get(page) ?? -1 };
    s.setMappingLookup(lookup);
    // Tag the first two vmalloc pages with 0xA: the frames' linear addresses see it.
    s.fillTags(VMALLOC_BASE, 8192, 0xa);
    expect(s.readTag(0x8000)).toBe(0xa);
    expect(s.readTag(0x8ff0)).toBe(0xa);
    expect(s.readTag(0x3000)).toBe(0xa);
    expect(s.readTag(0x4000)).toBe(0); // the frame after 0x3000 was not involved
    // Retag the frame through the linear map: the vmalloc alias sees it.
    s.fillTags(0x3010, 16, 0xb);
    expect(s.readTag(VMALLOC_BASE + 4096 + 0x10)).toBe(0xb);
    expect(s.findMismatch(VMALLOC_BASE + 4000, 200, 0xa)).toBe(VMALLOC_BASE + 4096 + 0x10);
    // The untagged page ignores tag stores, reads 0 and never mismatches.
    s.fillTags(VMALLOC_BASE + 8192, 4096, 7);
    expect(s.readTag(VMALLOC_BASE + 8192)).toBe(0);
    expect(s.isTagged(VMALLOC_BASE + 8192)).toBe(false);
    expect(s.findMismatch(VMALLOC_BASE + 8192, 4096, 7)).toBe(-1);
  });
});
