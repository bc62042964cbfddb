/** arm64 stack trace collection: the frame-pointer unwinder, the SCS copy, hard-IRQ entry frames. */
export { EL1_IRQ_ENTRY_PATH, inIrqentryText, interruptedFrameIndices, IRQENTRY_TEXT_SYMBOLS, runInIrq } from "./irq-entry.js";
export { stackTraceSaveShadow } from "./scs.js";
export { type StackWalk, stackTraceSaveUnwind, stackTraceSaveUnwindEntries, unwindFramesVisited } from "./unwind.js";
