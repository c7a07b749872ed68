import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanReadOnlyMappings } from "../../edge-agent/src/agent/startup-pages.ts";

const fields = (values: Record<string, number> = {}) =>
  ["Size", "Rss", "Private_Dirty", "Anonymous", "Locked", "AnonHugePages"]
    .map((name) => `${name}:${" ".repeat(20 - name.length)}${values[name] ?? 0} kB`)
    .join("\n");

describe("cleanReadOnlyMappings", () => {
  test("only the executable's read-only private mappings without a written or locked page", () => {
    const exe = "/opt/edge agent/edge-agent";
    const smaps = [
      `00200000-01838000 r--p 00000000 fe:00 42                                 ${exe}`,
      fields({ Rss: 4000 }),
      // Dirty in the page cache (a freshly written binary) is not a write by the process.
      `01a40000-0684a000 r-xp 01838000 fe:00 42                                 ${exe}`,
      fields({ Rss: 19000, Private_Dirty: 19000 }),
      // Relocated read-only data: written once, so private anonymous copies.
      `0684a000-0685f000 r--p 06641000 fe:00 42                                 ${exe}`,
      fields({ Rss: 84, Anonymous: 44 }),
      `0685f000-06a00000 rw-p 06656000 fe:00 42                                 ${exe}`,
      fields({ Rss: 1600 }),
      `06a00000-06b00000 r-xp 06800000 fe:00 42                                 ${exe}`,
      fields({ Rss: 64, Locked: 64 }),
      `06b00000-06c00000 r--s 06900000 fe:00 42                                 ${exe}`,
      fields({ Rss: 64 }),
      `7f2fd3bf5000-7f2fd3d4b000 r-xp 00026000 fe:00 7                          /usr/lib/x86_64-linux-gnu/libc.so.6`,
      fields({ Rss: 1100 }),
      "7f2f9388a000-7f2fd388a000 rwxp 00000000 00:00 0 ",
      fields(),
      `7f2fd3dc3000-7f2fd3dc5000 r-xp 00000000 00:00 0                          [vdso]`,
      fields({ Rss: 8 }),
    ].join("\n");
    expect(cleanReadOnlyMappings(smaps, exe)).toEqual([
      { start: 0x200000, length: 0x1838000 - 0x200000 },
      { start: 0x1a40000, length: 0x684a000 - 0x1a40000 },
    ]);
    expect(cleanReadOnlyMappings(smaps, "/usr/bin/other")).toEqual([]);
  });
});

test("releaseStartupPages drops the executable's resident pages, and the process runs on", async () => {
  // In a child process: the pages released are bun's own (its executable is process.execPath there too).
  const script = `
    import { releaseStartupPages } from ${JSON.stringify(join(import.meta.dir, "../../edge-agent/src/agent/startup-pages.ts"))};
    import { Database } from "bun:sqlite";
    import { readFileSync } from "node:fs";
    const rss = () => Number(/^Rss:\\s+(\\d+) kB/m.exec(readFileSync("/proc/self/smaps_rollup", "utf8"))[1]);
    const before = rss();
    const advised = await releaseStartupPages();
    const after = rss();
    // Code paths used before and after: they fault back in from the executable.
    const db = new Database(":memory:");
    db.run("CREATE TABLE t (a TEXT)");
    db.run("INSERT INTO t VALUES (?)", ["x".repeat(3)]);
    const row = db.query("SELECT a FROM t").get();
    const digest = new Bun.CryptoHasher("sha256").update("abc").digest("hex");
    console.log(JSON.stringify({ before, advised, after, row, digest, json: JSON.parse('{"k":[1,2]}') }));
  `;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  expect(code, err).toBe(0);
  const result = JSON.parse(out);
  expect(result.advised).toBeGreaterThan(0);
  expect(result.after).toBeLessThan(result.before);
  expect(result.row).toEqual({ a: "xxx" });
  expect(result.digest).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect(result.json).toEqual({ k: [1, 2] });
});
