import { afterEach, describe, expect, it, vi } from "vitest";
import { captureStdio } from "../../../test/helpers/capture-stdio.js";
import { main } from "../main.js";
import { defaultProfileName } from "./reproduce.js";

const capture = captureStdio;

afterEach(() => vi.restoreAllMocks());

describe("kasan-sim reproduce: options", () => {
  it("an unknown profile exits 2 naming the option and the profiles there are, before any work", async () => {
    const c = capture();
    expect(await main(["reproduce", "--profile", "fpga"])).toBe(2);
    expect(c.err()).toMatch(/--profile: expected one of arm64-hw, qemu-tcg, got "fpga"/);
    expect(c.out()).toBe("");
  });

  it("a bad seed exits 2", async () => {
    const c = capture();
    expect(await main(["reproduce", "--seed", "-3"])).toBe(2);
    expect(c.err()).toMatch(/--seed: expected an integer/);
  });

  it("prices seed 001 on the MTE hardware profile and the QEMU seeds on qemu-tcg", () => {
    expect(defaultProfileName("seed-001-thread")).toBe("arm64-hw");
    expect(defaultProfileName("seed-001-pgtable")).toBe("arm64-hw");
    for (const id of ["seed-003-boot", "seed-003-slab", "seed-004-generic", "seed-004-hw_tags"]) expect(defaultProfileName(id)).toBe("qemu-tcg");
  });
});
