/** One KUnit case of the suite: KUNIT_CASE(name) or KUNIT_CASE_SLOW(name). */
import type { KasanTestContext } from "../kasan-test-context.js";

export interface KasanKunitCase {
  name: string;
  run(t: KasanTestContext): void;
  /** KUNIT_CASE_SLOW: speed attribute "slow". */
  slow?: boolean;
}

export const KMALLOC_MAX_CACHE_SIZE = 8192;

export { roundUp, roundDown } from "../../../lib/align.js";
