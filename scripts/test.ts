/**
 * `npm test`: the whole suite, one `bun test` process per test file, TEST_SHARDS (default 2) of them running side by
 * side. Files are isolated from one another (each test plane creates its own database; ports are ephemeral), so they
 * need no coordination; each worker takes the next file as soon as its previous one ends, slowest first (by the
 * durations recorded in test/durations.json, else by size), so the workers finish together. Each file's output is
 * printed whole when it ends, then the totals as bun prints them (" N pass", " N fail"). With arguments, it is plain
 * `bun test` over them; TEST_GLOB narrows the files. TEST_RECORD_DURATIONS=1 rewrites test/durations.json.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Glob } from "bun";

const bunTest = ["bun", "test", "--timeout", "60000"];
const args = process.argv.slice(2);

if (args.length > 0) {
  const proc = Bun.spawn([...bunTest, ...args], { stdio: ["inherit", "inherit", "inherit"] });
  process.exit(await proc.exited);
}

const DURATIONS = "test/durations.json";
const workers = Math.max(1, Number(process.env.TEST_SHARDS ?? 2));
const recorded: Record<string, number> = existsSync(DURATIONS) ? JSON.parse(readFileSync(DURATIONS, "utf8")) : {};
// A file without a recorded duration is weighed by its size (~1 s per 2 kB, the suite's average).
const weight = (file: string) => recorded[file] ?? statSync(file).size / 2000;
const files = [...new Glob(process.env.TEST_GLOB ?? "test/**/*.test.ts").scanSync(".")].sort(
  (a, b) => weight(b) - weight(a),
);

interface Result {
  file: string;
  code: number;
  pass: number;
  fail: number;
  skip: number;
  seconds: number;
}

async function run(file: string): Promise<Result> {
  const t0 = Date.now();
  // bun test reports on stderr; both streams are kept and printed together when the file ends.
  const proc = Bun.spawn([...bunTest, file], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const output = out + err;
  const seconds = (Date.now() - t0) / 1000;
  const count = (word: string) => Number(new RegExp(`^ *(\\d+) ${word}$`, "m").exec(output)?.[1] ?? 0);
  process.stdout.write(`\n===== ${file}: exit ${code}, ${seconds.toFixed(0)} s =====\n${output}`);
  // A file that died without its summary counts as one failure.
  return { file, code, pass: count("pass"), fail: count("fail") || (code === 0 ? 0 : 1), skip: count("skip"), seconds };
}

const started = Date.now();
const queue = [...files];
const results: Result[] = [];
await Promise.all(
  Array.from({ length: workers }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await run(file));
  }),
);

if (process.env.TEST_RECORD_DURATIONS) {
  const durations = Object.fromEntries(
    results.sort((a, b) => a.file.localeCompare(b.file)).map((r) => [r.file, Math.round(r.seconds)]),
  );
  writeFileSync(DURATIONS, `${JSON.stringify(durations, null, 2)}\n`);
}

const total = (key: "pass" | "fail" | "skip") => results.reduce((n, r) => n + r[key], 0);
const failed = results.filter((r) => r.code !== 0).map((r) => r.file);
console.log(`\nAll files, ${files.length} in ${((Date.now() - started) / 1000).toFixed(0)} s, ${workers} at a time:`);
if (failed.length) console.log(`files with failures: ${failed.join(", ")}`);
console.log(` ${total("pass")} pass`);
console.log(` ${total("skip")} skip`);
console.log(` ${total("fail")} fail`);
process.exit(failed.length ? 1 : 0);
