/** Compiler instrumentation the KASAN modes rely on: global redzones and stack frames. */
export { globalRedzone, registerGlobals, type GlobalVariable, type RegisteredGlobal } from "./globals.js";
export { InstrumentedFrame, TaskStackPointer, type FrameObject, type StackLocal } from "./stack-frame.js";
