# Cost profile for Arm hardware with MTE: a Cortex-X3-class core at 3.0 GHz (the prime core of
# Google Tensor G3 / Pixel 8, the first widely shipped MTE device).
#
# Seed 001's hardware is NOT known (the cover letter names none); this profile is a stand-in for
# "an MTE-capable Armv9 core", not a description of the machine seed 001 ran on. Seeds 003 and 004
# ran under QEMU, so no published boot time exists on MTE hardware: boot constants are n/a here.
#
# Instruction costs are documented: the Arm Neoverse V2 Software Optimization Guide, as encoded in
# LLVM's scheduling model llvm/lib/Target/AArch64/AArch64SchedNeoverseV2.td ("All information is
# taken from the V2 Software Optimisation guide", PJDOC-466751330-593177), which LLVM also uses for
# cortex-x2 and cortex-x3 (AArch64Processors.td). Cycles are converted at 3.0 GHz
# (Tensor G3: 1x Cortex-X3 @ 3.0 GHz, press reports of June 2023, e.g. https://exbulletin.com/tech/2186160/).
# A tag store issues one L01 + one D micro-op with 1-cycle latency and two L01 pipes, so its
# throughput cost is 0.5 cycle; IRG/ADDG/LDG are charged their latency (their result is used next).
# The guides give no figures for DC GVA / DC GZVA / DC ZVA or for the cost of a tag check itself.

profile: arm64-hw — Arm MTE hardware, Cortex-X3-class core at 3.0 GHz (Neoverse V2 optimization guide figures); not seed 001's unknown machine

# --- MTE instructions ---
irg                   0.667  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: IRG 2-cycle latency on an M pipe; 2 cycles at 3.0 GHz
addg                  0.667  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: ADDG/SUBG 2-cycle latency on an M pipe; 2 cycles at 3.0 GHz
ldg                   1.333  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: LDG 4-cycle latency on an L pipe; 4 cycles at 3.0 GHz
stg                   0.167  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: STG (signed offset / post-index) 1 cycle, one L01 + one D uop, two L01 pipes: 0.5 cycle at 3.0 GHz
st2g                  0.167  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: ST2G same group as STG: 0.5 cycle at 3.0 GHz
stzg                  0.167  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: STZG same group as STG: 0.5 cycle at 3.0 GHz
stz2g                 0.167  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: STZ2G same group as STG: 0.5 cycle at 3.0 GHz
stgm                  0.167  ns/instruction  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: STGM in the STG signed-offset group: 0.5 cycle at 3.0 GHz
dcGva                 =2*st2g   ns/instruction  derived  not in the guide: a 64-byte DCZID block is 4 granules, taken at ST2G's tag-store rate (2 x ST2G)
dcGzva                =2*stz2g  ns/instruction  derived  not in the guide: a 64-byte block tagged and zeroed at STZ2G's rate (2 x STZ2G)

# --- zeroing ---
clearPage             =64*dcGzva     ns/page  derived  not in the guide: clear_page issues 64 DC ZVA per 4 KiB page, each taken to cost what DC GZVA does (allocate and zero a 64-byte line)
memsetZero            =clearPage/4096  ns/byte  derived  memset zeroing taken at clear_page's per-byte rate (the kernel's memset uses DC ZVA for large zero fills)

# --- memory accesses and their checks ---
memoryAccess          0.111  ns/access  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: three load pipes (L01 x2, L2), i.e. 1/3 cycle per L1-hit load at 3.0 GHz; misses are not modelled
hwTagCheck            n/a    ns/access  n/a  no published per-access cost of synchronous tag checking for these cores (the check runs alongside the access)
hwTagCheckSkipped     n/a    ns/access  n/a  no published per-access cost (a match-all access skips the compare)
hwOrdinaryAccess      n/a    ns/access  n/a  no published per-access cost of tag checking
genericShadowCheck    =3*memoryAccess  ns/access  derived  LSR + LDRB (shadow, L1 hit) + CBNZ: about one cycle on a 6-wide core (V2 IssueWidth 6), written as 3 load slots
swTagsShadowCheck     =2*genericShadowCheck  ns/access  derived  UBFX + LDRB + LSR + CMP + B.NE: about two cycles, twice the generic check

# --- kasan: software modes ---
shadowByteWrite       =memsetZero  ns/byte  derived  the shadow is written with memset
lcgTag                1.667  ns/draw  documented  Neoverse V2 SWOG via LLVM AArch64SchedNeoverseV2.td: MADD 2 cycles + the % 254 as UMULH (3) — about 5 cycles at 3.0 GHz
quarantinePut         n/a  ns/object  n/a  no figure: not benchmarked on hardware here
quarantineReduce      n/a  ns/call    n/a  no figure: not benchmarked on hardware here
quarantineObjectFree  n/a  ns/object  n/a  no figure: not benchmarked on hardware here

# --- kasan: stack collection, depot, ring (no hardware figures; seed 004 ran under QEMU) ---
stackTraceFixed       n/a  ns/trace   n/a  no published figure on hardware (seed 004 measured under QEMU only)
scsTraceFixed         n/a  ns/trace   n/a  no published figure on hardware (seed 004 measured under QEMU only)
unwindFrame           n/a  ns/frame   n/a  no published figure on hardware
scsCopyFrame          n/a  ns/frame   n/a  no published figure on hardware
scsNoscsTrace         n/a  ns/trace   n/a  no published figure on hardware
stackCollectionScale  n/a  x  n/a  no stack-collection figures for hardware to scale (seed 004 measured under QEMU only)
scsNoscsFrame         n/a  ns/frame   n/a  no published figure on hardware
depotLookup           n/a  ns/lookup  n/a  no published figure on hardware
depotInsert           n/a  ns/insert  n/a  no published figure on hardware
stackRingInsert       n/a  ns/insert  n/a  no published figure on hardware

# --- mm and kernel paths ---
pageAlloc             n/a  ns/call    n/a  no figure for this core; within seed 001's tables its count is the same in the rows compared, so the fitted fixed costs absorb it
pcpRefill             n/a  ns/call    n/a  no figure for this core
buddySplit            n/a  ns/split   n/a  no figure for this core
buddyMerge            n/a  ns/merge   n/a  no figure for this core
pageFree              n/a  ns/call    n/a  no figure for this core
pcpBulkFree           n/a  ns/call    n/a  no figure for this core
slabAlloc             n/a  ns/object  n/a  no figure for this core
slabFree              n/a  ns/object  n/a  no figure for this core
newSlab               n/a  ns/slab    n/a  no figure for this core
discardSlab           n/a  ns/slab    n/a  no figure for this core
kmallocLarge          n/a  ns/call    n/a  no figure for this core
vmalloc               n/a  ns/call    n/a  no figure for this core
vmapArea              n/a  ns/area    n/a  no figure for this core
vfree                 n/a  ns/call    n/a  no figure for this core
vmapPurge             n/a  ns/purge   n/a  no figure for this core
tlbFlush              n/a  ns/flush   n/a  no figure for this core
rcuCallback           n/a  ns/callback  n/a  no figure for this core
forkExitFixed         =threadCreateExitFixed  ns/fork  derived  a fork of a small process and its exit taken to cost what a thread's clone and exit do; the page-table copy and teardown of big mappings are pteCopy/pteZap
pteCopy               fit  ns/pte  fitted  seed-001-pgtable/baseline — copy_present_pte per present PTE at fork (the 2048 MB parent: 524288 per fork)
pteZap                =pteCopy  ns/pte  derived  zap_pte_range per PTE taken to cost what copying it did (both visit the entry and adjust the page's refcount and mapcount once)
threadCreateExitFixed fit  ns/thread  fitted  seed-001-thread/baseline — clone + exit of one thread, apart from the allocations the model counts
pageFault             n/a  ns/fault   n/a  no figure for this core; in seed 001's pgtable rows the parent's faults are the same in both rows and are absorbed by forkExitFixed's fit
pageTableAlloc        n/a  ns/page    n/a  no figure for this core
pageTableFree         n/a  ns/page    n/a  no figure for this core
bootFixed             n/a  ns/boot    n/a  no boot time published on MTE hardware (seeds 003/004 ran under QEMU)
bootOrdinaryAccesses  n/a  accesses/boot  n/a  no boot time published on MTE hardware to fit it to
