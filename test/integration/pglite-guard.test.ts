import { expect, test } from "bun:test";

test("PGlite cannot be wedged: deep JSON and NUL are refused before the engine, which keeps answering", async () => {
  // A child process: a wedged PGlite blocks its whole event loop, so only a kill from outside ends it.
  const child = Bun.spawn([process.execPath, `${import.meta.dir}/../support/pglite-wedge.ts`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill(9), 45_000);
  const [code, out] = await Promise.all([child.exited, new Response(child.stdout).text()]);
  clearTimeout(timer);
  expect(out).toContain("deep jsonb: refused 54001");
  expect(out).toContain("deep jsonb in a transaction: refused 54001");
  expect(out).toContain("NUL text: refused 22021");
  expect(out).toContain("escaped NUL jsonb: refused 22021");
  expect(out).toContain("escaped backslash jsonb: accepted");
  expect(out).toContain("text mentioning \\u0000: accepted");
  expect(out).toContain("alive 42");
  expect(code).toBe(0);
}, 60_000);
