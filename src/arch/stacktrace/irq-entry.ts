/**
 * Hard-IRQ entry as the arm64 exception path builds it, for stack traces taken inside an
 * interrupt handler. `runInIrq` pushes the frames an IRQ taken at `interruptedPc` leaves on
 * the call chain — the interrupted function itself (pc from pt_regs), the EL1 IRQ vector and
 * its C handlers, the irqchip entry — and marks the context as in hard-IRQ.
 *
 * The interrupted function is special for the Shadow Call Stack: its return address into its
 * caller is on the task's SCS, but the address where it was interrupted is only in pt_regs,
 * never pushed to any SCS. The SCS copy therefore misses exactly that frame (scs.ts).
 */
import type { ExecContext } from "../../lib/context.js";
import type { Kallsyms } from "../../lib/kallsyms.js";

/** The entry path of an EL1 IRQ on arm64 (entry.S vector → entry-common.c → irqchip), outermost first. */
export const EL1_IRQ_ENTRY_PATH = ["el1h_64_irq", "el1h_64_irq_handler", "el1_interrupt", "do_interrupt_handler", "call_on_irq_stack", "gic_handle_irq"] as const;

/** Functions placed in .irqentry.text / .softirqentry.text (__irq_entry, __softirq_entry). */
export const IRQENTRY_TEXT_SYMBOLS: ReadonlySet<string> = new Set(["gic_handle_irq", "__do_softirq"]);

/** in_irqentry_text(ip): whether `ip` lies in a function of the IRQ entry sections. */
export function inIrqentryText(kallsyms: Kallsyms, ip: number): boolean {
  const name = kallsyms.name(kallsyms.symbolOf(ip));
  return name !== undefined && IRQENTRY_TEXT_SYMBOLS.has(name);
}

/** Per context: callStack indices holding an interrupted function's pc (innermost last). */
const interrupted = new WeakMap<ExecContext, number[]>();

/** callStack indices of interrupted functions (frames a Shadow Call Stack copy cannot see). */
export function interruptedFrameIndices(ctx: ExecContext): readonly number[] {
  return interrupted.get(ctx) ?? [];
}

/**
 * Run `fn` as a hard-IRQ handler taken while the current task was at `interruptedPc`. The
 * entry path's frames get deterministic call-site offsets; `fn` pushes the handler's own frames
 * with ctx.call().
 */
export function runInIrq<T>(ctx: ExecContext, interruptedPc: number, fn: () => T): T {
  const ks = ctx.kallsyms;
  const stack = ctx.callStack;
  const depth = stack.length;
  let list = interrupted.get(ctx);
  if (list === undefined) {
    list = [];
    interrupted.set(ctx, list);
  }
  list.push(depth);
  stack.push(interruptedPc);
  for (let i = 0; i < EL1_IRQ_ENTRY_PATH.length; i++) {
    const name = EL1_IRQ_ENTRY_PATH[i];
    const callee = i + 1 < EL1_IRQ_ENTRY_PATH.length ? EL1_IRQ_ENTRY_PATH[i + 1] : "handle_irq";
    stack.push(ks.callSite(name, callee));
  }
  const wasInIrq = ctx.inIrq;
  ctx.inIrq = true;
  try {
    return fn();
  } finally {
    ctx.inIrq = wasInIrq;
    stack.length = depth;
    list.pop();
  }
}
