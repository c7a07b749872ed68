/**
 * `npm test`: the whole suite as independent `bun test` processes running side by side (TEST_SHARDS, default 2),
 * each over a share of the test files. Files are isolated from one another (each test plane creates its own
 * database; ports are ephemeral), so shards need no coordination. Each shard's output is printed whole when it ends,
 * then the totals as bun prints them (" N pass", " N fail"). With arguments, it is plain `bun test` over them;
 * TEST_GLOB narrows the files.
 */
import { statSync } from "node:fs";
import { Glob } from "bun";

const bunTest = ["bun", "test", "--timeout", "60000"];
const args = process.argv.slice(2);

if (args.length > 0) {
  const proc = Bun.spawn([...bunTest, ...args], { stdio: ["inherit", "inherit", "inherit"] });
  process.exit(await proc.exited);
}

const shardCount = Math.max(1, Number(process.env.TEST_SHARDS ?? 2));
const files = [...new Glob(process.env.TEST_GLOB ?? "test/**/*.test.ts").scanSync(".")].sort();
// Balance by size (a fair proxy for a file's run time), largest first onto the lightest shard.
const shards = Array.from({ length: shardCount }, () => ({ files: [] as string[], weight: 0 }));
for (const file of files.sort((a, b) => statSync(b).size - statSync(a).size)) {
  const lightest = shards.reduce((a, b) => (b.weight < a.weight ? b : a));
  lightest.files.push(file);
  lightest.weight += statSync(file).size;
}

const started = Date.now();
const results = await Promise.all(
  shards
    .filter((s) => s.files.length > 0)
    .map(async (shard, i) => {
      // bun test reports on stderr; both streams are kept and printed together when the shard ends.
      const proc = Bun.spawn([...bunTest, ...shard.files.sort()], { stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      const output = out + err;
      const count = (word: string) => Number(new RegExp(`^ *(\\d+) ${word}$`, "m").exec(output)?.[1] ?? 0);
      process.stdout.write(`\n===== shard ${i + 1}/${shardCount} (${shard.files.length} files), exit ${code} =====\n`);
      process.stdout.write(output);
      // A shard that died without its summary counts as one failure.
      return { code, pass: count("pass"), fail: count("fail") || (code === 0 ? 0 : 1), skip: count("skip") };
    }),
);

const total = (key: "pass" | "fail" | "skip") => results.reduce((n, r) => n + r[key], 0);
console.log(`\nAll shards, ${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s:`);
console.log(` ${total("pass")} pass`);
console.log(` ${total("skip")} skip`);
console.log(` ${total("fail")} fail`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
