/**
 * struct kunit for one test case: its status, the failure lines KUnit logs, and the two ways a
 * case stops early — kunit_skip() and a failed KUNIT_ASSERT_*() — which in the kernel abort the
 * case's kthread through kunit_try_catch_throw(); here they throw `KunitAbort`.
 */
export type KunitStatus = "success" | "failure" | "skipped";

export class KunitAbort extends Error {
  constructor(readonly why: "skip" | "assert") {
    super(`kunit: case aborted (${why})`);
    this.name = "KunitAbort";
  }
}

/** Where the suite's source file is, as the failure lines name it. */
export const KASAN_TEST_FILE = "mm/kasan/kasan_test_c.c";

export class KunitTest {
  status: KunitStatus = "success";
  /** The `# SKIP` reason or other status comment. */
  statusComment = "";
  /** Failure messages, in order. */
  readonly failures: string[] = [];

  constructor(
    readonly name: string,
    private readonly log: (line: string) => void,
  ) {}

  /** kunit_fail(): the case fails; KUnit logs where and why, indented under the suite. */
  fail(message: string, kind: "EXPECTATION" | "ASSERTION" = "EXPECTATION"): void {
    this.status = "failure";
    this.failures.push(message);
    this.log(`    # ${this.name}: ${kind} FAILED at ${KASAN_TEST_FILE}`);
    for (const line of message.split("\n")) this.log(`    ${line}`);
  }

  /** kunit_skip(test, reason). */
  skip(reason: string): never {
    this.status = "skipped";
    this.statusComment = reason;
    throw new KunitAbort("skip");
  }

  /** KUNIT_EXPECT_*(): record a failure and go on. */
  expect(cond: boolean, message: string): void {
    if (!cond) this.fail(message);
  }

  /** KUNIT_ASSERT_*(): record a failure and stop the case. */
  assert(cond: boolean, message: string): asserts cond {
    if (cond) return;
    this.fail(message, "ASSERTION");
    throw new KunitAbort("assert");
  }
}
