// MTE model throughput (against the built dist/; `npm run build` first):
//  - mte_set_mem_tag_range over 1 GiB of simulated memory in page-sized ranges with random tags,
//    against Uint8Array.prototype.fill of the same tag bytes (256 per page) — both expressed in
//    GB of simulated memory per second, timed in interleaved rounds (median) so machine noise
//    hits both alike;
//  - tag checks per second for 8-byte accesses with matching tags (the no-fault hot path), over
//    a 2 MiB working set (one tag chunk, like a hot slab) and scattered over 1 GiB.
import { Counters } from "../dist/cost/counters.js";
import { Prng } from "../dist/lib/prng.js";
import { Mte, makePtr, TAG_CHECK_OK } from "../dist/arch/index.js";

const PAGE = 4096;
const REGION = 2 ** 30; // 1 GiB of simulated memory
const PAGES = REGION / PAGE;
const BASE = 0x4000_0000; // linear-map offset 1 GiB
const ROUNDS = 9;

function timeNs(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function bench(report) {
  const prng = new Prng("mte-bench");
  const tags = new Uint8Array(4096);
  for (let i = 0; i < tags.length; i++) tags[i] = 0xf0 | prng.nextInt(14);

  const counters = new Counters();
  const mte = new Mte({ nrCpus: 1, prng: prng.fork("mte"), counters });
  const setPass = (pass) => {
    for (let p = 0; p < PAGES; p++) {
      const tag = tags[(p + pass) & 4095];
      mte.setMemTagRange(makePtr(tag, BASE + p * PAGE), PAGE, tag, false);
    }
  };
  const raw = new Uint8Array(REGION / 16);
  const fillPass = (pass) => {
    for (let p = 0; p < PAGES; p++) raw.fill(tags[(p + pass) & 4095] & 0xf, p * 256, p * 256 + 256);
  };
  // Materialise the tag chunks and let the JIT settle on both loops before timing.
  for (let w = 0; w < 3; w++) {
    setPass(0);
    fillPass(0);
  }
  const setNs = [];
  const fillNs = [];
  for (let r = 1; r <= ROUNDS; r++) {
    setNs.push(timeNs(() => setPass(r)));
    fillNs.push(timeNs(() => fillPass(r)));
  }
  // 4 STG for the first 64-byte block, then 63 DC GVA per page, every pass.
  if (counters.cur.dcGva !== (ROUNDS + 3) * PAGES * 63) throw new Error("bench: unexpected DC GVA count");
  const setGbs = REGION / median(setNs); // bytes per ns = GB/s
  const fillGbs = REGION / median(fillNs);
  report({ name: "mte_set_mem_tag_range, 4 KiB ranges over 1 GiB", value: setGbs, unit: "GB/s of memory", better: "higher" });
  report({ name: "Uint8Array.fill, same tag bytes (256 B/page)", value: fillGbs, unit: "GB/s of memory", better: "higher" });
  report({ name: "tag-range set / raw fill throughput", value: setGbs / fillGbs, unit: "ratio", target: 0.5, better: "higher" });

  mte.enableKernel(0, "sync");
  const N_PTRS = 1 << 16;
  const checkRate = (span) => {
    const ptrs = new Float64Array(N_PTRS);
    for (let i = 0; i < N_PTRS; i++) {
      const off = BASE + prng.nextInt(span / 8) * 8;
      ptrs[i] = makePtr(0xf0 | mte.peekTag(makePtr(0xff, off)), off);
    }
    const loop = (n) => {
      let bad = 0;
      for (let i = 0; i < n; i++) {
        if (mte.checkAccess(0, ptrs[i & (N_PTRS - 1)], 8, (i & 3) === 0, 0x1234) !== TAG_CHECK_OK) bad++;
      }
      return bad;
    };
    loop(2_000_000);
    const N = 10_000_000;
    const times = [];
    for (let r = 0; r < 5; r++) {
      let bad = 0;
      times.push(timeNs(() => (bad = loop(N))));
      if (bad !== 0) throw new Error(`bench: ${bad} unexpected tag faults`);
    }
    return N / (median(times) / 1e9);
  };
  report({ name: "tag checks, 8-byte, random in a 2 MiB working set", value: checkRate(2 ** 21), unit: "checks/s", target: 50e6, better: "higher" });
  report({ name: "tag checks, 8-byte, random over 1 GiB (no locality)", value: checkRate(REGION), unit: "checks/s", better: "higher" });
}
