/**
 * The shipped linux-arm64 agent binary, end to end under qemu-user (Debian's qemu-user-static and
 * libc6-arm64-cross, which .ci/run installs): it enrolls with its bootstrap token, comes online over MQTT, runs a
 * command and reports status, against a real control plane (PGlite + embedded broker). Emulation is slow (tens of
 * seconds to start on a loaded 2-core machine), so this is one scenario, with generous timeouts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAgent, sha256File } from "../../scripts/build-agents";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { agentFor, commandFinished, hostOnline, policedEnvironment } from "../support/runtime";
import { waitFor } from "../support/wait";

const QEMU = "/usr/bin/qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
const emulation = existsSync(QEMU) && existsSync(join(SYSROOT, "lib/ld-linux-aarch64.so.1"));
if (!emulation)
  console.warn(
    `agent-arm64: skipped: ${QEMU} or ${SYSROOT} missing (apt-get install -y qemu-user-static libc6-arm64-cross)`,
  );
const SLOW = 120_000;

let t: TestPlane;
let dir: string;
let binary: string;

beforeAll(async () => {
  if (!emulation) return;
  dir = mkdtempSync(join(tmpdir(), "edge-agent-arm64-"));
  binary = join(dir, "edge-agent-linux-arm64");
  await buildAgent("arm64", binary);
  t = await startTestPlane((await availableBackends())[0]!);
}, SLOW);

afterAll(async () => {
  await stopAllAgents();
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.skipIf(!emulation)(
  "the arm64 binary enrolls, comes online, runs a command and reports status (qemu-user)",
  async () => {
    expect(sha256File(binary)).toMatch(/^[0-9a-f]{64}$/);
    const envId = await policedEnvironment(t, "arm64", { exec: { allowedCommands: ["echo"] } });
    const { host, agent } = await agentFor(t, envId, "arm64", { command: [QEMU, "-L", SYSROOT, binary] });
    agent.start();
    await hostOnline(t, host.id, SLOW);
    const created = await t.api.post(
      "/api/v1/commands",
      { hostId: host.id, kind: "exec", params: { command: "echo", args: ["from", "arm64"] } },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    const done = await commandFinished(t, created.body.id, SLOW);
    expect(done.status).toBe("completed");
    expect(done.result).toMatchObject({ exitCode: 0, stdout: "from arm64\n" });
    const reported = await waitFor(
      "a status report",
      async () => {
        const h = (await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body;
        return h.lastStatus ? h : undefined;
      },
      SLOW,
    );
    expect(reported.status).toBe("online");
    expect(reported.agentVersion).toBeTruthy();
  },
  4 * SLOW,
);
