/**
 * kasan_kunit_test_cases[] of Linux 6.12 (kunit-6.12.md): 72 cases in this order. 6.12's file
 * has no kmalloc_track_caller_oob_right, copy_to_kernel_nofault_oob or copy_user_test_oob,
 * and its kasan_strings has no strscpy() checks (added in 6.15 together with arm64's switch to
 * load_unaligned_zeropad()).
 */
import type { KasanKunitCase } from "./cases/case.js";
import { INSTRUMENTED_CASES } from "./cases/instrumented-cases.js";
import { KMALLOC_CASES } from "./cases/kmalloc-cases.js";
import { MEMINTRINSIC_CASES } from "./cases/memintrinsic-cases.js";
import { OBJECT_CASES } from "./cases/object-cases.js";
import { TAG_CASES } from "./cases/tag-cases.js";

export const KASAN_SUITE_NAME = "kasan";

export const KASAN_KUNIT_TEST_CASES: readonly KasanKunitCase[] = [
  ...KMALLOC_CASES,
  ...MEMINTRINSIC_CASES,
  ...OBJECT_CASES,
  ...INSTRUMENTED_CASES,
  ...TAG_CASES,
];
