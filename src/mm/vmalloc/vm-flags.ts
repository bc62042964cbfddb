/** vm_struct flags (include/linux/vmalloc.h, 6.12). */
export const VM_IOREMAP = 0x1;
export const VM_ALLOC = 0x2;
export const VM_MAP = 0x4;
export const VM_USERMAP = 0x8;
export const VM_DMA_COHERENT = 0x10;
/** Set while __vmalloc_node_range builds the area; cleared once it is fully set up. */
export const VM_UNINITIALIZED = 0x20;
/** No guard page after the area. */
export const VM_NO_GUARD = 0x40;
export const VM_KASAN = 0x80;
export const VM_FLUSH_RESET_PERMS = 0x100;
export const VM_MAP_PUT_PAGES = 0x200;
export const VM_ALLOW_HUGE_VMAP = 0x400;

/** NUMA_NO_NODE. */
export const NUMA_NO_NODE = -1;
