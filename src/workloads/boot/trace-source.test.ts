import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BOOT_TRACE_EVENTS, BOOT_TRACE_SHA256, shippedBootTracePath } from "./boot-trace.js";
import { isGzip, openTraceSource, TraceSourceError } from "./trace-source.js";

const dir = mkdtempSync(join(tmpdir(), "kasan-sim-trace-source-"));
const TEXT = "# tracer: nop\n  <idle>-0 [000] d.... 0.000000: kfree: call_site=x+0x1/0x2 ptr=0000000000000000\n";

async function readAll(path: string): Promise<{ text: string; gzip: boolean }> {
  const src = openTraceSource(path);
  const parts: Buffer[] = [];
  for await (const c of src.chunks) parts.push(Buffer.from(c));
  return { text: Buffer.concat(parts).toString("latin1"), gzip: src.gzip };
}

describe("trace files, plain or gzip", () => {
  it("recognises gzip by its magic bytes 1f 8b, not by the file name", async () => {
    expect(isGzip(Uint8Array.of(0x1f, 0x8b, 8))).toBe(true);
    expect(isGzip(Uint8Array.of(0x1f))).toBe(false);
    expect(isGzip(Uint8Array.of(0x23, 0x20))).toBe(false); // "# "
    const gzNamedTxt = join(dir, "compressed.txt");
    const plainNamedGz = join(dir, "plain.gz");
    writeFileSync(gzNamedTxt, gzipSync(TEXT));
    writeFileSync(plainNamedGz, TEXT);
    expect(await readAll(gzNamedTxt)).toEqual({ text: TEXT, gzip: true });
    expect(await readAll(plainNamedGz)).toEqual({ text: TEXT, gzip: false });
  });

  it("inflates concatenated gzip members as one text (gzip -c a >> t; gzip -c b >> t)", async () => {
    const p = join(dir, "members.gz");
    writeFileSync(p, Buffer.concat([gzipSync("first\n"), gzipSync("second\n")]));
    expect((await readAll(p)).text).toBe("first\nsecond\n");
  });

  it("an empty file is an empty plain trace", async () => {
    const p = join(dir, "empty.txt");
    writeFileSync(p, "");
    expect(await readAll(p)).toEqual({ text: "", gzip: false });
  });

  it("truncated or corrupt gzip data is a TraceSourceError naming the file", async () => {
    const whole = gzipSync(TEXT.repeat(50));
    const truncated = join(dir, "truncated.gz");
    writeFileSync(truncated, whole.subarray(0, whole.length >> 1));
    await expect(readAll(truncated)).rejects.toThrow(new TraceSourceError(`${truncated}: the gzip data is corrupt or truncated (unexpected end of file)`));
    const corrupt = join(dir, "corrupt.gz");
    const bad = Buffer.from(whole);
    bad.fill(0xff, 10, 30);
    writeFileSync(corrupt, bad);
    await expect(readAll(corrupt)).rejects.toThrow(/corrupt\.gz: the gzip data is corrupt or truncated \(/);
  });

  it("a missing file or a directory is a TraceSourceError when opened", () => {
    expect(() => openTraceSource(join(dir, "missing.txt"))).toThrow(new TraceSourceError(`${join(dir, "missing.txt")}: cannot read the trace (no such file)`));
    const sub = join(dir, "sub");
    mkdirSync(sub, { recursive: true });
    expect(() => openTraceSource(sub)).toThrow(TraceSourceError);
  });

  it("reports the file bytes read, for a progress bar over the compressed size", async () => {
    const p = join(dir, "progress.gz");
    writeFileSync(p, gzipSync(TEXT));
    const src = openTraceSource(p);
    expect(src.fileBytesRead()).toBe(0);
    for await (const chunk of src.chunks) expect(chunk.length).toBeGreaterThan(0);
    expect(src.fileBytesRead()).toBe(src.fileBytes);
  });
});

describe("the shipped boot trace (data/traces/trace-boot.txt.gz)", () => {
  it("inflates to the recorded file: its sha256 and event count", async () => {
    const src = openTraceSource(shippedBootTracePath());
    expect(src.gzip).toBe(true);
    const h = createHash("sha256");
    let lines = 0;
    let events = 0;
    let tail = "";
    for await (const c of src.chunks) {
      h.update(c);
      const text = tail + Buffer.from(c).toString("latin1");
      const parts = text.split("\n");
      tail = parts.pop() ?? "";
      for (const l of parts) {
        lines++;
        if (!l.startsWith("#") && l.length > 0) events++;
      }
    }
    expect(tail).toBe("");
    expect(h.digest("hex")).toBe(BOOT_TRACE_SHA256);
    expect(events).toBe(BOOT_TRACE_EVENTS);
    expect(lines).toBe(BOOT_TRACE_EVENTS + 12);
  });
});
