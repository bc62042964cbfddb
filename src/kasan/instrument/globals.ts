/**
 * Generic KASAN's instrumentation of global variables: the compiler pads every global of an
 * instrumented object file with a right redzone and emits a constructor that calls
 * __asan_register_globals(), which unpoisons each variable and poisons its redzone with
 * KASAN_GLOBAL_REDZONE (0xF9). Tag-based modes do not instrument globals (their pointers are
 * native, match-all), so registration only makes the section's shadow valid there, as
 * kasan_init() does for the kernel image.
 *
 * Redzone size (clang's ASan, MinRZ = 32): max(32, size/128·32 capped at 2^18) plus the bytes
 * that round the variable up to 32 — a 10-byte array takes 10 + 54 = 64 bytes.
 */
import { ptrOffset, type Ptr } from "../../arch/pointer.js";
import type { KasanBackend } from "../common/backend.js";
import { KASAN_GLOBAL_REDZONE, roundUp } from "../constants.js";

export interface GlobalVariable {
  name: string;
  size: number;
}

export interface RegisteredGlobal extends GlobalVariable {
  /** Address of the variable. */
  addr: Ptr;
  /** size_with_redzone of struct kasan_global. */
  sizeWithRedzone: number;
}

const MIN_RZ = 32;
const MAX_RZ = 1 << 18;

/** The right redzone the compiler gives a global of `size` bytes. */
export function globalRedzone(size: number): number {
  let rz = Math.max(MIN_RZ, Math.min(MAX_RZ, Math.floor(size / MIN_RZ / 4) * MIN_RZ));
  if (size % MIN_RZ !== 0) rz += MIN_RZ - (size % MIN_RZ);
  return rz;
}

/**
 * Lay out `vars` one after another from `base` (32-byte aligned) as the compiler does in .data
 * / .bss and run __asan_register_globals() over them. Returns the registered globals by name.
 */
export function registerGlobals(backend: KasanBackend | undefined, base: Ptr, vars: readonly GlobalVariable[]): Map<string, RegisteredGlobal> {
  if (ptrOffset(base) % MIN_RZ !== 0) throw new Error(`registerGlobals: base must be ${MIN_RZ}-byte aligned`);
  const out = new Map<string, RegisteredGlobal>();
  let addr = base;
  for (const v of vars) {
    if (!Number.isInteger(v.size) || v.size < 1) throw new Error(`registerGlobals: ${v.name}: size must be a positive integer, got ${v.size}`);
    const sizeWithRedzone = v.size + globalRedzone(v.size);
    out.set(v.name, { ...v, addr, sizeWithRedzone });
    addr += sizeWithRedzone;
  }
  if (backend === undefined || !backend.enabled || backend.mode === "hw_tags") return out;
  // kasan_init(): the kernel image has valid (accessible) shadow.
  backend.unpoison(backend.resetTag(base), addr - base, false);
  if (backend.mode !== "generic") return out;
  for (const g of out.values()) {
    // __asan_register_globals() → register_global().
    const aligned = roundUp(g.size, backend.granuleSize);
    backend.unpoison(g.addr, g.size, false);
    backend.poison(g.addr + aligned, g.sizeWithRedzone - aligned, KASAN_GLOBAL_REDZONE, false);
  }
  return out;
}
