# Cost profile for QEMU full-system TCG emulation (qemu-system-aarch64 -machine virt,mte=on -cpu max),
# the platform of seeds 003 and 004 and of the reference traces in ../shared/reference.
#
# Measured figures come from bench/qemu/measure.mjs (mte-costs.c), run under qemu-user:
# qemu-aarch64 7.2 (Debian 1:7.2+dfsg-7+deb12u18), -cpu max, on an AMD EPYC host, 15 reps,
# medians with the loop baselines subtracted; bench/qemu/results.json keeps every figure with its
# min/max. qemu-user is a PROXY for qemu-system: it has no softmmu TLB and no guest page tables,
# so plain accesses, frame walks and list operations are cheaper here than in the seeds' guests;
# the MTE helpers are shared code but find tag storage differently. Where a run of an MTE-on
# kernel differs (every load/store goes through QEMU's MTE check helper once tag checking is on),
# a `key@hw_tags` line gives the MTE-on figure.
#
# Return-address signing. arm64 kernels with in-kernel pointer authentication (ARM64_PTR_AUTH from
# 5.7, ARM64_PTR_AUTH_KERNEL from 5.13, both default y) are built with
# -mbranch-protection=pac-ret+leaf: every function starts with PACIASP and returns
# through AUTIASP. QEMU's -cpu max computed those with the architected QARMA5 cipher in software
# until 10.0 made the cheap implementation-defined algorithm the default (QEMU's docs: pointer
# authentication can take up to half of a TCG guest's time), so on the seeds' QEMU (2020 master,
# 6.2.94) a kernel function call costs about a microsecond. The C routines are built with the same
# flag and run under the same algorithm (qemu-user 7.2 -cpu max): pac_pair in results.json is one
# signed empty call minus an unsigned one. The harness's empty call is unsigned, so "minus an
# empty call" keeps a routine's own signing. Work done by assembly routines (clear_page, memset)
# is unsigned, as in the kernel.
#
# The host was shared with other jobs while measuring; figures moved by up to ~2.5x between runs
# (STG: 13.9, 22.4, 34.8, 15.9 and 15.7 (recorded here) ns in five runs). Of the three runs on
# 2026-11-23 the first two shared the machine with replay benchmarks (one gave MTE-on allocator
# figures 3x the others); the recorded one ran alone, and still one signed call took 899 ns in an
# earlier run and 1123 ns in this one (the host's speed varies). Fitted constants absorb the scale
# of the fixed costs, not of these.
#
# Fitted constants name the row they are fitted to (<table-id>/<row-label>); `kasan-sim reproduce`
# solves for them from the model's counts, so a fitted row is never a prediction.

profile: qemu-tcg — QEMU TCG full-system emulation with MTE (-machine virt,mte=on -cpu max), from qemu-user microbenchmarks and fits to seeds 003/004 (seed 001 too when it prices that table)

# --- MTE instructions (MTE-on process, PR_MTE_TCF_SYNC) ---
irg                   22.156  ns/instruction  measured  bench/qemu/measure.mjs irg: IRG loop minus empty loop, qemu-user 7.2 -cpu max (see results.json)
addg                  0.2   ns/instruction  measured  bench/qemu/measure.mjs addg: ADDG loop minus empty loop (TCG inlines it), qemu-user 7.2 -cpu max
ldg                   12.951  ns/instruction  measured  bench/qemu/measure.mjs ldg: LDG loop minus empty loop, qemu-user 7.2 -cpu max
stg                   15.719  ns/instruction  measured  bench/qemu/measure.mjs stg: STG loop minus empty loop, qemu-user 7.2 -cpu max
st2g                  16.111  ns/instruction  measured  bench/qemu/measure.mjs st2g: ST2G loop minus empty loop, qemu-user 7.2 -cpu max
stzg                  18.275  ns/instruction  measured  bench/qemu/measure.mjs stzg: STZG loop minus empty loop, qemu-user 7.2 -cpu max
stz2g                 15.11  ns/instruction  measured  bench/qemu/measure.mjs stz2g: STZ2G loop minus empty loop, qemu-user 7.2 -cpu max
dcGva                 4.201   ns/instruction  measured  bench/qemu/measure.mjs dc_gva_per64: DC GVA measured per 512-byte DCZID block (-cpu max), scaled to the 64-byte block the model simulates (per-instruction on -cpu max: dc_gva 33.61)
dcGzva                3.027   ns/instruction  measured  bench/qemu/measure.mjs dc_gzva_per64: DC GZVA measured per 512-byte block, scaled to the model's 64-byte block (per-instruction on -cpu max: dc_gzva 24.212)
stgm                  =dcGva*4  ns/instruction  derived  STGM is UNDEFINED at EL0, so qemu-user cannot time it; it tags one 256-byte GMID block (-cpu max), taken as 4 of the model's 64-byte DC GVA blocks

# --- zeroing outside tag-setting instructions ---
clearPage             63.362  ns/page  measured  bench/qemu/measure.mjs clear_page: arm64-style clear_page (DC ZVA per DCZID block) minus an empty call, process without MTE
clearPage@hw_tags     330.75 ns/page  measured  bench/qemu/measure.mjs clear_page_mte_on: the same in an MTE-on process
memsetZero            0.127   ns/byte  measured  bench/qemu/measure.mjs memset_256_per_byte: libc memset(p, 0, 256) minus an empty call, / 256, process without MTE (per-call work included, at a typical object size)
memsetZero@hw_tags    0.997   ns/byte  measured  bench/qemu/measure.mjs memset_256_per_byte_mte_on: the same in an MTE-on process

# --- memory accesses and their checks ---
memoryAccess          0.5225   ns/access  measured  bench/qemu/measure.mjs: mean of ldr_mte_off 0.576 and str_mte_off 0.469 (8-byte LDR/STR, process without MTE); qemu-system adds a softmmu TLB lookup that qemu-user lacks, so this is low
hwTagCheck            18.9635  ns/access  measured  bench/qemu/measure.mjs: mean of ldr_checked 19.67 and str_checked 19.302 (tag-checked 8-byte access, tags matching, MTE on) minus memoryAccess 0.5225
hwTagCheckSkipped     14.251  ns/access  measured  bench/qemu/measure.mjs: mean of ldr_untagged_mte_on 14.712 and str_untagged_mte_on 14.835 (access in an MTE-on process that the check helper lets through) minus memoryAccess 0.5225
hwOrdinaryAccess      =hwTagCheckSkipped  ns/access  derived  most ordinary kernel accesses of an hw_tags kernel use match-all (0xF) pointers (stack, globals, page tables): QEMU still runs its check helper, which lets them through as for hwTagCheckSkipped
# KASAN_OUTLINE is Kconfig's default instrumentation choice (and was when seeds 003/004 were measured):
# defconfig-based kernels call __asan_*/__hwasan_* before every access; the inline figures are for KASAN_INLINE builds.
genericShadowCheck    1050.202  ns/access  measured  bench/qemu/measure.mjs generic_outline_check: a call to an __asan_load8_noabort-like noipa function (wrap-around and has-metadata tests, shadow byte test) before each 8-byte LDR, minus the plain LDR loop, process without MTE
genericShadowCheckInline 1.333 ns/access  measured  bench/qemu/measure.mjs generic_inline_check: ADD/LSR/LDRB shadow/CBNZ before an 8-byte LDR minus the plain LDR loop, process without MTE
swTagsShadowCheck     =genericShadowCheck+swTagsShadowCheckInline-genericShadowCheckInline  ns/access  derived  the outline call as generic_outline_check measures it, plus the extra work sw_tags' check does over generic's (tag extraction and compare: sw_tags_inline_check − generic_inline_check); __hwasan_load8_noabort has the same call/test shape as __asan_load8_noabort
swTagsShadowCheckInline 3.013 ns/access  measured  bench/qemu/measure.mjs sw_tags_inline_check: ADD/UBFX/LDRB shadow/LSR/CMP/B.NE before an 8-byte LDR through a TBI-tagged pointer minus the plain LDR loop, process without MTE

# --- kasan: software modes ---
shadowByteWrite       =memsetZero  ns/byte  derived  kasan_poison/kasan_unpoison write the shadow with memset, so a shadow byte costs a memset byte
lcgTag                971.496   ns/draw  measured  bench/qemu/measure.mjs random_tag: per-CPU LCG step and % 254 in a noipa function minus an empty call, process without MTE
quarantinePut         9.939  ns/object  measured  bench/qemu/measure.mjs --merge-alloc quarantine_put: kasan_quarantine_put (free meta, irqs off, per-CPU qlist_put, size test; the 1 MiB spill to the global ring not included), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
quarantineReduce      5455.898  ns/call  measured  bench/qemu/measure.mjs --merge-alloc quarantine_reduce: kasan_quarantine_reduce per call (size test, srcu, quarantine_lock, limits, head batch taken), 8-object batch minus 8 x the per-object slope, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
quarantineObjectFree  425.147  ns/object  measured  bench/qemu/measure.mjs --merge-alloc quarantine_object_free: qlist_free_all per object (virt_to_slab/slab_cache, qlink_to_object, init_on_free test, the call of the separately priced slab free), 64- minus 8-object batch / 56, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)

# --- kasan: stack collection, stack depot, stack ring ---
stackTraceFixed       =9272.132-filterIrqStacks  ns/trace  derived  the measured figure (9272.132) less its filter_irq_stacks call, which filterIrqStacks prices where the depot makes it; measured as bench/qemu/measure.mjs ksave_unwind_asan_trace: kasan_save_stack() over no frame record minus an empty call (calls, stack_trace_save cookie + KASAN_STACK redzones, arch_stack_walk setup of six candidate stacks, the skipped consume of its own frame, filter_irq_stacks call), Generic KASAN_OUTLINE build, process without MTE (9 reps); the SCS path's own figure is ksave_scs_asan_trace 23.396
stackTraceFixed@hw_tags =6097.776-filterIrqStacks@hw_tags  ns/trace  derived  the measured figure (6097.776) less its filter_irq_stacks call; measured as bench/qemu/measure.mjs ksave_unwind_trace_mte_on: the same per-trace work, HW_TAGS build (uninstrumented) in an MTE-on process; SCS path: ksave_scs_trace_mte_on 162.854
scsTraceFixed         =2065.377-filterIrqStacks  ns/trace  derived  the measured figure (2065.377) less its filter_irq_stacks call; measured as bench/qemu/measure.mjs ksave_scs_asan_trace: kasan_save_stack() through seed 004's stack_trace_save_shadow over an empty SCS minus an empty call, Generic build (KASAN_OUTLINE checks), qemu-user 7.2 -cpu max (results.json)
scsTraceFixed@hw_tags =2469.197-filterIrqStacks@hw_tags  ns/trace  derived  the measured figure (2469.197) less its filter_irq_stacks call; measured as bench/qemu/measure.mjs ksave_scs_trace_mte_on: the same, HW_TAGS build (uninstrumented) in an MTE-on process
unwindFrame           =8774.942-filterIrqStacksEntry  ns/frame  derived  the measured figure (8774.942) less the frame's filter_irq_stacks step, which filterIrqStacksEntry prices where the depot makes it; measured as bench/qemu/measure.mjs ksave_unwind_asan_frame: per extra frame of kasan_save_stack() through Linux 6.12's arm64 unwinder (kunwind_next: final-record test, unwind_consume_stack bounds against the current stack, fp/lr read, XPACLRI, kretprobe test; stack_trace_consume_entry through a pointer) and filter_irq_stacks, Generic KASAN_OUTLINE build (7 outline checks per frame), process without MTE (9 reps)
unwindFrame@hw_tags   =1270.865-filterIrqStacksEntry@hw_tags  ns/frame  derived  the measured figure (1270.865) less the frame's filter_irq_stacks step; measured as bench/qemu/measure.mjs ksave_unwind_frame_mte_on: the same walk, HW_TAGS build (uninstrumented), MTE-on process (every access through the check helper)
scsCopyFrame          =1052.381-filterIrqStacksEntry  ns/frame  derived  the measured figure (1052.381) less the slot's filter_irq_stacks step; measured as bench/qemu/measure.mjs ksave_scs_asan_frame: per extra slot of kasan_save_stack() through seed 004's stack_trace_save_shadow (READ_ONCE_NOCHECK, ptrauth_strip_insn_pac, store, size limit) and filter_irq_stacks, Generic KASAN_OUTLINE build (1 outline check per entry, in the filter), process without MTE (9 reps)
scsCopyFrame@hw_tags  =60.61-filterIrqStacksEntry@hw_tags  ns/frame  derived  the measured figure (60.61) less the slot's filter_irq_stacks step; measured as bench/qemu/measure.mjs ksave_scs_frame_mte_on: the same, HW_TAGS build, MTE-on process
scsNoscsTrace         1134.149  ns/trace  measured  bench/qemu/measure.mjs ksave_noscs_asan_extra_trace: seed 004's __noscs flavour per trace: stack_trace_save_shadow a real signed call (a __noscs function is not inlined into kasan_save_stack) minus the inlined copy, over an empty SCS, Generic build, process without MTE (stack-collection run)
scsNoscsTrace@hw_tags 1298.39  ns/trace  measured  bench/qemu/measure.mjs ksave_noscs_extra_trace_mte_on: the same, HW_TAGS build, MTE-on process
scsNoscsFrame         1098.937   ns/frame  measured  bench/qemu/measure.mjs ksave_noscs_asan_extra_frame: the SCS copy with its per-slot read+strip helper a real call minus the inlined copy, per slot, Generic build, process without MTE (9 reps)
scsNoscsFrame@hw_tags 947.083   ns/frame  measured  bench/qemu/measure.mjs ksave_noscs_extra_frame_mte_on: the same, HW_TAGS build, MTE-on process
# stack_depot_save_flags() runs filter_irq_stacks() first, on every trace it is given (5.18's
# __stack_depot_save did too), so the microbenchmarks' filter steps are priced apart, per depot
# save and per entry examined: a flavour that collects without saving (master-no-stack-depot)
# does not pay them.
filterIrqStacks       1122.836  ns/call  measured  bench/qemu/measure.mjs pac_pair: one signed call minus an unsigned one, process without MTE; filter_irq_stacks is an out-of-line kernel/stacktrace.c function whose own work over a short trace is its entries' (filterIrqStacksEntry)
filterIrqStacks@hw_tags 1146.21  ns/call  measured  bench/qemu/measure.mjs pac_pair_mte_on: the same in an MTE-on process
filterIrqStacksEntry  =genericShadowCheck+memoryAccess  ns/entry  derived  one entry: an instrumented 8-byte load of the trace buffer (kernel/stacktrace.c is instrumented; KASAN_OUTLINE check call) and the .irqentry.text range test, as the microbenchmarks' filter loop does
filterIrqStacksEntry@hw_tags =hwOrdinaryAccess+memoryAccess  ns/entry  derived  one entry: a load of the on-stack trace buffer through a match-all pointer (QEMU's check helper lets it through) and the range test
depotLookup           1056.134 ns/lookup  measured  bench/qemu/measure.mjs kdepot_lookup_16: stack_depot_save_flags() hit path for a 16-frame trace (jhash2 over 32 words, bucket of 2^20, find_stack under rcu_read_lock_sched: hash+size compare, stackdepot_memcmp) minus an empty call, process without MTE (9 reps)
depotLookup@hw_tags   1805.134 ns/lookup  measured  bench/qemu/measure.mjs kdepot_lookup_16_mte_on: the same in an MTE-on process
depotInsert           1078.705  ns/insert  measured  bench/qemu/measure.mjs kdepot_insert_16: pool_lock, depot_alloc_stack from the current pool (handle, hash, size, memcpy of 16 frames, refcount, counters), list_add_rcu, unlock, minus an empty call; the second find_stack is a depotLookup; process without MTE (9 reps)
depotInsert@hw_tags   1780.39 ns/insert  measured  bench/qemu/measure.mjs kdepot_insert_16_mte_on: the same in an MTE-on process
stackRingInsert       1022.263   ns/insert  measured  bench/qemu/measure.mjs stack_ring_insert: save_stack_info-shaped insert (reader lock atomics, fetch-add, cmpxchg, 4 stores, store-release) minus an empty call, process without MTE (sw_tags) (9 reps)
stackRingInsert@hw_tags 1212.441 ns/insert  measured  bench/qemu/measure.mjs stack_ring_insert_mte_on: the same in an MTE-on process
# The stack-collection figures above are qemu-user microbenchmarks built as the seeds' kernels
# were (return-address signing in every function): they fix the ratios between an unwound frame,
# a copied SCS slot, the __noscs helper calls, a depot lookup/insert and a ring insert. What they
# cannot know is one factor per mode, fitted to seed 004's `master` row: how many traces, of what
# depth, seed 004's 5.18 defconfig boot saved compared with the replayed 6.12 boot, and what a
# qemu-system guest adds over qemu-user (softmmu TLB, MTE tag storage). Every other row of seed
# 004 stays a prediction.
stackCollectionScale@generic  fit  x  fitted  seed-004-generic/master — seed 004's Generic kernel's stack-collection work over the microbenchmarks' figures for the replayed boot's counts (trace volume and depth, qemu-system over qemu-user)
stackCollectionScale@hw_tags  fit  x  fitted  seed-004-hw_tags/master — the same for the HW_TAGS kernel (MTE on: every access through QEMU's tag-check helper)
stackCollectionScale          =stackCollectionScale@generic  x  derived  sw_tags and off taken to scale like generic (compiler-instrumented builds without MTE)

# --- mm: page allocator, slab, vmalloc (bench/qemu/alloc-costs.c under qemu-user; see bench/qemu/README.md) ---
pageAlloc             1000.957  ns/call  measured  bench/qemu/measure.mjs --merge-alloc page_alloc: order-0 alloc_pages fast path (watermark, rmqueue_pcplist, check_new_page, post_alloc_hook bookkeeping, vm events) minus an empty call, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pageAlloc@hw_tags     1479.352  ns/call  measured  bench/qemu/measure.mjs --merge-alloc page_alloc_mte_on: the same in an MTE-on process
pcpRefill             2419.396  ns/call  measured  bench/qemu/measure.mjs --merge-alloc pcp_refill_63: rmqueue_bulk of 63 order-0 pages (the default pcp->batch; the model prices refills per 63 pages moved) under the zone lock, splits excluded (buddySplit), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pcpRefill@hw_tags     16660.823  ns/call  measured  bench/qemu/measure.mjs --merge-alloc pcp_refill_63_mte_on: the same in an MTE-on process
buddySplit            60.493  ns/split  measured  bench/qemu/measure.mjs --merge-alloc buddy_split: expand() to order 0 minus to order 8 of an order-10 block, per extra split, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
buddySplit@hw_tags    230.853  ns/split  measured  bench/qemu/measure.mjs --merge-alloc buddy_split_mte_on: the same in an MTE-on process
buddyMerge            18.319  ns/merge  measured  bench/qemu/measure.mjs --merge-alloc buddy_merge: __free_one_page with 10 minus 2 merges, per extra merge, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
buddyMerge@hw_tags    211.288  ns/merge  measured  bench/qemu/measure.mjs --merge-alloc buddy_merge_mte_on: the same in an MTE-on process
pageFree              1010.599  ns/call  measured  bench/qemu/measure.mjs --merge-alloc page_free: order-0 free_unref_page onto the pcp list (free_pages_prepare checks, pageblock migratetype, nr_pcp_high, no spill), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pageFree@hw_tags      1357.361  ns/call  measured  bench/qemu/measure.mjs --merge-alloc page_free_mte_on: the same in an MTE-on process
pcpBulkFree           3475.71  ns/call  measured  bench/qemu/measure.mjs --merge-alloc pcp_bulk_free_63: free_pcppages_bulk of 63 pages to the buddy lists (no free buddy; merges are buddyMerge), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pcpBulkFree@hw_tags   22873.162  ns/call  measured  bench/qemu/measure.mjs --merge-alloc pcp_bulk_free_63_mte_on: the same in an MTE-on process
slabAlloc             1005.349  ns/object  measured  bench/qemu/measure.mjs --merge-alloc slab_alloc: kmalloc -> slab_alloc_node fast path (size_index, hardened free pointer, CASP of freelist+tid), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
slabAlloc@hw_tags     1093.615  ns/object  measured  bench/qemu/measure.mjs --merge-alloc slab_alloc_mte_on: the same in an MTE-on process
slabFree              1000.764  ns/object  measured  bench/qemu/measure.mjs --merge-alloc slab_free: kfree -> do_slab_free fast path (virt_to_slab, cpu-slab test, hardened set_freepointer, CASP), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
slabFree@hw_tags      1128.866  ns/object  measured  bench/qemu/measure.mjs --merge-alloc slab_free_mte_on: the same in an MTE-on process
newSlab               1316.11  ns/slab  measured  bench/qemu/measure.mjs --merge-alloc new_slab_64: allocate_slab of a 64-object order-0 slab minus its pages (fields, NR_SLAB_UNRECLAIMABLE_B, freelist through 64 objects, inc_slabs_node), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
newSlab@hw_tags       3746.63  ns/slab  measured  bench/qemu/measure.mjs --merge-alloc new_slab_64_mte_on: the same in an MTE-on process
discardSlab           66.515  ns/slab  measured  bench/qemu/measure.mjs --merge-alloc discard_slab: discard_slab minus its pages (dec_slabs_node, __free_slab resets, unaccount_slab), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
discardSlab@hw_tags   267.558  ns/slab  measured  bench/qemu/measure.mjs --merge-alloc discard_slab_mte_on: the same in an MTE-on process
kmallocLarge          1086.162  ns/call  measured  bench/qemu/measure.mjs --merge-alloc kmalloc_large: __kmalloc_large_node + free_large_kmalloc bookkeeping of 16 KiB minus the pages (alloc and free side both), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
kmallocLarge@hw_tags  1260.832  ns/call  measured  bench/qemu/measure.mjs --merge-alloc kmalloc_large_mte_on: the same in an MTE-on process
vmalloc               2792.254  ns/call  measured  bench/qemu/measure.mjs --merge-alloc vmalloc_8: __vmalloc_node_range bookkeeping + vmap_pages_range of 8 pages (a 32 KiB KASAN thread stack; dsb ishst; isb per kernel PTE); area, pages, slab objects priced apart, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
vmalloc@hw_tags       4161.645  ns/call  measured  bench/qemu/measure.mjs --merge-alloc vmalloc_8_mte_on: the same in an MTE-on process
vmapArea              2932.088  ns/area  measured  bench/qemu/measure.mjs --merge-alloc vmap_area_tree: alloc_vmap_area through a 4097-area augmented free tree (lowest match, LE fit, propagation) + 4096-area busy-tree insert (rb fixups not modelled); a node-pool hit costs less: vmap_area_pool 235.876, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
vmapArea@hw_tags      6491.74  ns/area  measured  bench/qemu/measure.mjs --merge-alloc vmap_area_tree_mte_on: the same in an MTE-on process
vfree                 2654.43  ns/call  measured  bench/qemu/measure.mjs --merge-alloc vfree_8: vfree of 8 pages minus page/slab frees (busy-tree lookup + unlink, 8 PTEs cleared, lazy-tree insert), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
vfree@hw_tags         4006.083  ns/call  measured  bench/qemu/measure.mjs --merge-alloc vfree_8_mte_on: the same in an MTE-on process
vmapPurge             3732.547  ns/purge  measured  bench/qemu/measure.mjs vmap_purge_fixed: __purge_vmap_area_lazy's per-purge work (2 x 256 pool decay scan, lazy list taken; TLB flush excluded), qemu-user 7.2 -cpu max, process without MTE
vmapPurge@hw_tags     9389.301  ns/purge  measured  bench/qemu/measure.mjs vmap_purge_fixed_mte_on: the same, MTE-on process
vmapPurgePoolArea     134.6  ns/area  measured  bench/qemu/measure.mjs vmap_purge_pool_area: per area a purge puts into a node pool (node_pool_add_va), process without MTE
vmapPurgePoolArea@hw_tags 321.299  ns/area  measured  bench/qemu/measure.mjs vmap_purge_pool_area_mte_on: the same, MTE-on process
vmapPurgeFreeArea     701.866  ns/area  measured  bench/qemu/measure.mjs vmap_purge_area: per area a purge merges back into the free tree (merge_or_add_vmap_area_augment + propagate), process without MTE
vmapPurgeFreeArea@hw_tags 2914.576  ns/area  measured  bench/qemu/measure.mjs vmap_purge_area_mte_on: the same, MTE-on process
tlbFlush              n/a  ns/flush   n/a  not measurable in qemu-user: a tlbi cannot run at EL0; under qemu-system a broadcast TLBI (flush_tlb_kernel_range of a purge's whole span becomes flush_tlb_all) empties every vCPU's softmmu TLB, so its cost is the refills that follow, which depend on the guest's working set; no figure found
rcuCallback           1054.082  ns/callback  measured  bench/qemu/measure.mjs --merge-alloc rcu_callback: rcu_do_batch in softirq, per callback of a 16-callback batch (dequeue, ->func fetched/cleared, indirect call of an empty callback, limit tests; batch overhead spread), process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
rcuCallback@hw_tags   1060.816  ns/callback  measured  bench/qemu/measure.mjs --merge-alloc rcu_callback_mte_on: the same in an MTE-on process

# --- kernel: tasks, page tables, boot (fitted to the seeds) ---
forkExitFixed         =threadCreateExitFixed  ns/fork  derived  a fork of a small process and its exit taken to cost what a thread's clone and exit do; the page-table copy and teardown of big mappings are pteCopy/pteZap
pteCopy               fit  ns/pte  fitted  seed-001-pgtable/baseline — copy_present_pte per present PTE at fork (the 2048 MB parent: 524288 per fork)
pteZap                =pteCopy  ns/pte  derived  zap_pte_range per PTE taken to cost what copying it did (both visit the entry and adjust the page's refcount and mapcount once)
threadCreateExitFixed fit  ns/thread  fitted  seed-001-thread/baseline — clone + exit of one thread, apart from the allocations the model counts
pageFault             1310.872  ns/fault  measured  bench/qemu/measure.mjs --merge-alloc page_fault: anonymous write fault minus folio allocation/zeroing (pt_regs save/restore, lock_vma_under_rcu maple walk, page-table walk, do_anonymous_page: memcg stock, PTE lock, RSS, anon rmap, LRU batch, set_ptes); the exception entry/eret themselves cannot be timed in qemu-user, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pageFault@hw_tags     3457.359  ns/fault  measured  bench/qemu/measure.mjs --merge-alloc page_fault_mte_on: the same in an MTE-on process
pageTableAlloc        996.925  ns/page  measured  bench/qemu/measure.mjs --merge-alloc pte_alloc: pagetable_pte_ctor + pmd_install under the PMD lock (dsb ishst; isb), page allocation excluded, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pageTableAlloc@hw_tags 1151.409  ns/page  measured  bench/qemu/measure.mjs --merge-alloc pte_alloc_mte_on: the same in an MTE-on process
pageTableFree         22.088  ns/page  measured  bench/qemu/measure.mjs --merge-alloc pte_free: pmd_clear (dsb ishst; isb) + pte_free_tlb into the table batch + pagetable_pte_dtor, page free excluded, process without MTE (alloc-costs.c, qemu-user 7.2 -cpu max, 9 reps x 32 passes; results.json)
pageTableFree@hw_tags 201.586  ns/page  measured  bench/qemu/measure.mjs --merge-alloc pte_free_mte_on: the same in an MTE-on process
bootFixed             fit  ns/boot    fitted  seed-003-boot/clean — the work of a boot the model does not simulate (clean kernel: no KASAN)
bootOrdinaryAccesses  fit  accesses/boot  fitted  seed-003-boot/generic — ordinary instrumented accesses of a boot, fixed by the generic row (the hw_tags and sw_tags rows stay predictions)
