import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("the agent compiles to a single executable that documents its flags", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-agent-bin-"));
  try {
    const outfile = join(dir, "edge-agent");
    const build = Bun.spawnSync(
      [process.execPath, "build", "--compile", "edge-agent/src/main.ts", "--outfile", outfile],
      {
        cwd: new URL("../..", import.meta.url).pathname,
      },
    );
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    const help = Bun.spawnSync([outfile, "--help"], { env: {} });
    expect(help.exitCode).toBe(0);
    const text = help.stdout.toString();
    for (const flag of [
      "--api-url",
      "--mqtt-url",
      "--runtime-id",
      "--bootstrap-token",
      "--state-dir",
      "EDGE_MQTT_URL",
    ]) {
      expect(text).toContain(flag);
    }
    const bad = Bun.spawnSync([outfile], { env: {} });
    expect(bad.exitCode).toBe(2); // required settings missing
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
