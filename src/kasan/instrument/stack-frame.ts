/**
 * Compiler instrumentation of stack frames (CONFIG_KASAN_STACK):
 *  - Generic: every frame with address-taken locals gets a 32-byte left redzone
 *    (KASAN_STACK_LEFT, F1), each local padded to 32 bytes — its partial granule holds the count
 *    of valid bytes, the padding is KASAN_STACK_MID (F2) between locals or KASAN_STACK_RIGHT (F3)
 *    after the last — and the prologue writes that shadow, the epilogue clears it.
 *    Variable-length arrays go through __asan_alloca_poison(): 32 bytes of KASAN_ALLOCA_LEFT (CA)
 *    below, the partial granule, then KASAN_ALLOCA_RIGHT (CB) up to a 32-byte boundary plus 32.
 *  - SW_TAGS: each local gets a tag of its own, written to the shadow of its granules, and the
 *    pointer to it carries that tag; memory around it keeps the tag it had (so an overflow into
 *    the next granule mismatches).
 *  - HW_TAGS has no stack instrumentation.
 * A frame is placed below the current stack pointer of the task's stack and released with
 * `leave()`, which restores the shadow the frame had before (the epilogue's unpoisoning).
 */
import { ptrOffset, type Ptr, setTag } from "../../arch/pointer.js";
import type { KasanBackend } from "../common/backend.js";
import {
  KASAN_ALLOCA_LEFT, KASAN_ALLOCA_REDZONE_SIZE, KASAN_ALLOCA_RIGHT, KASAN_STACK_LEFT, KASAN_STACK_MID, KASAN_STACK_RIGHT, roundDown, roundUp,
} from "../constants.js";

const FRAME_REDZONE = 32;

export interface StackLocal {
  name: string;
  size: number;
}

export interface FrameObject extends StackLocal {
  /** Pointer to the local (tagged under SW_TAGS). */
  addr: Ptr;
  /** Offset from the frame base, as the frame description prints it ([off, off+size)). */
  offset: number;
}

/** A task stack the frames are carved from (grows down). */
export class TaskStackPointer {
  constructor(
    /** Lowest address of the stack (untagged). */
    readonly base: Ptr,
    readonly size: number,
    /** Current stack pointer. */
    public sp: Ptr,
  ) {}
}

export class InstrumentedFrame {
  readonly objects: FrameObject[] = [];
  private readonly savedSp: Ptr;
  /** Lowest address of the frame (its base). */
  readonly base: Ptr;
  readonly frameSize: number;
  private readonly dynamic: { addr: Ptr; size: number }[] = [];

  constructor(
    private readonly backend: KasanBackend | undefined,
    private readonly stack: TaskStackPointer,
    /** Function owning the frame (for the report's frame description). */
    readonly fn: string,
    locals: readonly StackLocal[],
    private readonly kasanStack: boolean,
  ) {
    this.savedSp = stack.sp;
    let size = FRAME_REDZONE;
    const offsets: number[] = [];
    for (const l of locals) {
      offsets.push(size);
      size += roundUp(l.size, FRAME_REDZONE) + (roundUp(l.size, FRAME_REDZONE) === l.size ? FRAME_REDZONE : 0);
    }
    this.frameSize = size;
    this.base = roundDown(stack.sp - size, FRAME_REDZONE);
    stack.sp = this.base;
    if (this.base < stack.base) throw new Error(`${fn}: kernel stack overflow`);
    const b = this.instrumenting() ? this.backend : undefined;
    locals.forEach((l, i) => {
      let addr = this.base + offsets[i];
      if (b !== undefined && b.mode === "sw_tags") addr = this.tagLocal(b, addr, l.size);
      this.objects.push({ ...l, addr, offset: offsets[i] });
    });
    if (b !== undefined && b.mode === "generic") this.poisonGenericFrame(b, locals, offsets);
  }

  private instrumenting(): boolean {
    return this.kasanStack && this.backend !== undefined && this.backend.enabled && this.backend.mode !== "hw_tags";
  }

  /** The prologue's shadow writes for a Generic frame. */
  private poisonGenericFrame(b: KasanBackend, locals: readonly StackLocal[], offsets: number[]): void {
    b.poison(this.base, FRAME_REDZONE, KASAN_STACK_LEFT, false);
    locals.forEach((l, i) => {
      const at = this.base + offsets[i];
      b.unpoison(at, l.size, false);
      const padStart = roundUp(l.size, b.granuleSize);
      const end = i + 1 < locals.length ? offsets[i + 1] : this.frameSize;
      b.poison(at + padStart, end - offsets[i] - padStart, i + 1 < locals.length ? KASAN_STACK_MID : KASAN_STACK_RIGHT, false);
    });
  }

  /** SW_TAGS: a fresh tag for the local's granules, different from the memory around it. */
  private tagLocal(b: KasanBackend, addr: Ptr, size: number): Ptr {
    const after = addr + roundUp(size, b.granuleSize);
    const around = b.memoryTagAt?.(ptrOffset(after));
    let tag = b.randomTag();
    while (tag === around) tag = b.randomTag();
    const p = setTag(addr, tag);
    b.unpoison(p, size, false);
    return p;
  }

  /** A variable-length array of `size` bytes (alloca), below the static frame. */
  alloca(size: number): Ptr {
    if (!Number.isInteger(size) || size < 1) throw new Error(`${this.fn}: alloca size must be a positive integer, got ${size}`);
    const b = this.instrumenting() && this.backend?.mode === "generic" ? this.backend : undefined;
    const total = roundUp(size, KASAN_ALLOCA_REDZONE_SIZE) + (b !== undefined ? 2 * KASAN_ALLOCA_REDZONE_SIZE : 0);
    const start = roundDown(this.stack.sp - total, KASAN_ALLOCA_REDZONE_SIZE);
    this.stack.sp = start;
    const addr = b !== undefined ? start + KASAN_ALLOCA_REDZONE_SIZE : start;
    if (b !== undefined) {
      // __asan_alloca_poison(addr, size).
      const g = b.granuleSize;
      const roundedUp = roundUp(size, g);
      const padding = roundUp(size, KASAN_ALLOCA_REDZONE_SIZE) - roundedUp;
      const roundedDown = roundDown(size, g);
      b.unpoison(addr + roundedDown, size - roundedDown, false);
      b.poison(addr - KASAN_ALLOCA_REDZONE_SIZE, KASAN_ALLOCA_REDZONE_SIZE, KASAN_ALLOCA_LEFT, false);
      b.poison(addr + roundedUp, padding + KASAN_ALLOCA_REDZONE_SIZE, KASAN_ALLOCA_RIGHT, false);
    }
    this.dynamic.push({ addr: start, size: total });
    return addr;
  }

  /** The epilogue: the frame's shadow back to accessible for the stack's tag, SP restored. */
  leave(stackTag: number): void {
    const b = this.instrumenting() ? this.backend : undefined;
    if (b !== undefined) {
      const low = this.stack.sp;
      b.unpoison(setTag(low, stackTag), this.savedSp - low, false);
    }
    this.stack.sp = this.savedSp;
  }

  object(name: string): FrameObject {
    const o = this.objects.find((x) => x.name === name);
    if (o === undefined) throw new Error(`${this.fn}: no local named ${name}`);
    return o;
  }
}
