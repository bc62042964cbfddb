/**
 * Sizes the kernel derives from the zone at boot: watermarks (mm/page_alloc.c
 * calculate_min_free_kbytes, __setup_per_zone_wmarks) and per-CPU list batch/high
 * (zone_batchsize, zone_highsize), for one zone holding all managed pages.
 */
import { PAGE_SHIFT, PAGE_SIZE } from "../memory-layout.js";

/** watermark_scale_factor default (sysctl vm.watermark_scale_factor). */
export const WATERMARK_SCALE_FACTOR = 10;
/** MIN_PERCPU_PAGELIST_HIGH_FRACTION: high_max is managed/8 split across CPUs. */
export const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;
/** CONFIG_PCP_BATCH_SCALE_MAX default. */
export const PCP_BATCH_SCALE_MAX = 5;

export interface Watermarks {
  minFreeKbytes: number;
  min: number;
  low: number;
  high: number;
}

/** min_free_kbytes = int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144], then WMARK_MIN/LOW/HIGH. */
export function zoneWatermarks(managedPages: number): Watermarks {
  const lowmemKbytes = managedPages * (PAGE_SIZE >> 10);
  const minFreeKbytes = Math.min(262144, Math.max(128, Math.floor(Math.sqrt(lowmemKbytes * 16))));
  const min = minFreeKbytes >> (PAGE_SHIFT - 10);
  const tmp = Math.max(min >> 2, Math.floor((managedPages * WATERMARK_SCALE_FACTOR) / 10000));
  return { minFreeKbytes, min, low: min + tmp, high: min + 2 * tmp };
}

/** zone_batchsize(): ~0.1% of the zone or 1 MiB, /4, clamped to 2^n − 1. */
export function zoneBatchsize(managedPages: number): number {
  let batch = Math.min(Math.floor(managedPages / 1024), (1 << 20) / PAGE_SIZE);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  return roundDownPow2(batch + (batch >> 1)) - 1;
}

/** zone_highsize(): `totalPages` split across the node's CPUs, at least batch·4. */
export function zoneHighsize(totalPages: number, batch: number, nrCpus: number): number {
  return Math.max(Math.floor(totalPages / nrCpus), batch << 2);
}

export interface PcpParams {
  batch: number;
  highMin: number;
  highMax: number;
}

/** zone_set_pageset_high_and_batch() without percpu_pagelist_high_fraction. */
export function pcpParams(managedPages: number, lowWmark: number, nrCpus: number): PcpParams {
  const batch = Math.max(1, zoneBatchsize(managedPages));
  return {
    batch,
    highMin: zoneHighsize(lowWmark, batch, nrCpus),
    highMax: zoneHighsize(Math.floor(managedPages / MIN_PERCPU_PAGELIST_HIGH_FRACTION), batch, nrCpus),
  };
}

function roundDownPow2(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}
