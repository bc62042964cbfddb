/**
 * The README's examples must run as written: every `npx kasan-sim …` line of the usage block and
 * the library example are executed against the built package (npm ci builds it via `prepare`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const cli = join(root, "dist", "cli", "main.js");

function blocks(lang: string): string[] {
  const re = new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g");
  return [...readme.matchAll(re)].map((m) => m[1]);
}

describe("README", () => {
  it("starts with the two one-line commands (main job, whole test suite)", () => {
    const [first, second] = blocks("sh");
    expect(first.trim()).toMatch(/^npm ci && npx kasan-sim \S+/);
    expect(second.trim()).toBe("npm ci && npm test");
  });

  it("`npx kasan-sim` can run the built bin: package.json names it and it is executable", () => {
    // The examples below run the bin through node, so they would pass even if npx could not
    // execute it (tsc writes files without the x bit; the build script sets it).
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(join(root, pkg.bin["kasan-sim"])).toBe(cli);
    expect(readFileSync(cli, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    expect(statSync(cli).mode & 0o111).toBe(0o111);
  });

  it("every `npx kasan-sim` example line runs and exits 0", () => {
    expect(existsSync(cli)).toBe(true);
    const lines = blocks("sh")
      .slice(2)
      .flatMap((b) => b.split("\n"))
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter((l) => l.startsWith("npx kasan-sim "));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      // Split like a shell would for these simple lines: whitespace, with '…' or "…" quoting.
      const args = [...line.slice("npx kasan-sim ".length).matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
      expect({ line, status: r.status }).toEqual({ line, status: 0 });
      expect((r.stdout + r.stderr).length).toBeGreaterThan(0);
    }
    // The examples include two full `reproduce` runs (~10 s each).
  }, 240_000);

  it("the library example runs and prints the reports it promises", () => {
    const [example] = blocks("js");
    const dir = join(root, "out");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "readme-example.mjs");
    writeFileSync(file, example);
    const out = execFileSync(process.execPath, [file], { encoding: "utf8", cwd: root });
    // One report only: the sync fault turned tag checking off on the CPU before the UAF read.
    expect(out).toMatch(/^slab-out-of-bounds [0-9a-f]{16}\n\d+ \d+\n$/);
  });
});
