/**
 * Capture what a CLI test's code writes to process.stdout / process.stderr (spied on with vitest;
 * undo with vi.restoreAllMocks()).
 */
import { vi } from "vitest";

export function captureStdio(): { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  return { out: () => out, err: () => err };
}
