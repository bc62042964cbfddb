/** The arch layer's public API: tagged pointers and the Arm MTE model. */
export * from "./pointer.js";
export * from "./mte/mte-def.js";
export * from "./mte/tagged-pointer.js";
export * from "./mte/sysregs.js";
export * from "./mte/tag-storage.js";
export * from "./mte/instructions.js";
export * from "./mte/set-mem-tag-range.js";
export * from "./mte/page-tags.js";
export * from "./mte/tag-fault.js";
export * from "./mte/tag-check.js";
export * from "./mte/mte.js";
export * from "./mte/arch-page-ops.js";
