/**
 * Kernel symbols of the simulated kernel (kernel/kallsyms.c's job): every function simulated
 * code runs in has a name, a size and, for module code, a module name, so that an instruction
 * address prints the way `%pS` prints it: `kmalloc_oob_right+0x84/0x2c4 [kasan_test]`.
 *
 * An instruction address is a plain number `id · 2^20 + offset`. Sizes are deterministic: given
 * when the symbol is registered, or derived from a hash of the name, so the same program always
 * prints the same offsets.
 */
import { hashString } from "./prng.js";

const IP_MUL = 2 ** 20;

export class Kallsyms {
  private readonly names: string[] = [];
  private readonly sizes: number[] = [];
  private readonly modules: (string | undefined)[] = [];
  private readonly byName = new Map<string, number>();

  /** Look up or register `name`; returns its symbol id. */
  sym(name: string, size?: number, module?: string): number {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    if (name.length === 0) throw new Error("kallsyms: symbol name must not be empty");
    const sz = size ?? defaultSymbolSize(name);
    if (!Number.isInteger(sz) || sz <= 0 || sz >= IP_MUL) throw new Error(`kallsyms: size of ${name} must be an integer in (0, 2^20), got ${sz}`);
    const id = this.names.length;
    this.names.push(name);
    this.sizes.push(sz);
    this.modules.push(module);
    this.byName.set(name, id);
    return id;
  }

  name(id: number): string {
    return this.names[id];
  }

  size(id: number): number {
    return this.sizes[id];
  }

  module(id: number): string | undefined {
    return this.modules[id];
  }

  /** The address `offset` bytes into symbol `id` (offset < size). */
  ip(id: number, offset: number): number {
    const size = this.sizes[id];
    if (size === undefined) throw new Error(`kallsyms: unknown symbol id ${id}`);
    return id * IP_MUL + Math.min(offset, size - 4);
  }

  /** An address inside `name` at a deterministic call-site offset chosen by `site` (e.g. the callee). */
  callSite(name: string, site: string, module?: string): number {
    const id = this.sym(name, undefined, module);
    const size = this.sizes[id];
    const off = 4 * (1 + (hashString(`${name}>${site}`) % Math.max(1, (size >>> 2) - 1)));
    return this.ip(id, off);
  }

  symbolOf(ip: number): number {
    return Math.floor(ip / IP_MUL);
  }

  offsetOf(ip: number): number {
    return ip % IP_MUL;
  }

  /** `%pS`: `name+0xoff/0xsize` with ` [module]` for module code. */
  format(ip: number): string {
    const id = Math.floor(ip / IP_MUL);
    const name = this.names[id];
    if (name === undefined) return `0x${ip.toString(16)}`;
    const mod = this.modules[id];
    const s = `${name}+0x${(ip % IP_MUL).toString(16)}/0x${this.sizes[id].toString(16)}`;
    return mod === undefined ? s : `${s} [${mod}]`;
  }
}

/** A plausible function size (a multiple of 4 between 0x40 and 0x43c) derived from the name. */
export function defaultSymbolSize(name: string): number {
  return 0x40 + 4 * (hashString(name) % 0x100);
}
