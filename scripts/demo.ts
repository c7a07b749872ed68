/**
 * One-command demo: a control plane (embedded database and broker) plus one local edge agent;
 * a command goes through end to end, and a command the safety policy forbids is refused on the agent.
 *
 *   npm run demo
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "../control-plane/src/app";
import { newSecret } from "../control-plane/src/lib/secrets";

const adminKey = newSecret("roz_sk_");
const plane = await startControlPlane({
  port: 0,
  mqttPort: 0,
  grpcPort: 0,
  host: "127.0.0.1",
  dataDir: "memory://",
  adminKey,
  logLevel: "silent",
});
const stateDir = mkdtempSync(join(tmpdir(), "edge-demo-"));
const say = (msg: string) => console.log(`» ${msg}`);

/** The fields of the API's answers this demo reads. */
interface Answer {
  id: string;
  name: string;
  status: string;
  error?: string;
  runtimeId: string;
  bootstrapToken: string;
  result?: { stdout?: string };
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(plane.url + path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Answer;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

let agent: ReturnType<typeof Bun.spawn> | undefined;
try {
  say(`control plane on ${plane.url}, MQTT on ${plane.transport.mqttUrl}`);
  const policy = await call("POST", "/api/v1/safety-policies", {
    name: "demo-safety",
    rules: { exec: { allowedCommands: ["uname", "echo"] }, paramBounds: { speed: { max: 1.5 } }, maxConcurrent: 2 },
  });
  const env = await call("POST", "/api/v1/environments", { name: "demo-lab", safetyPolicyIds: [policy.id] });
  const host = await call("POST", "/api/v1/hosts", { name: "demo-robot", environmentId: env.id });
  const identity = await call("POST", "/api/runtime/identities", { hostId: host.id });
  say(`host ${host.id} with policy "${policy.name}": exec allowlist [uname, echo], speed <= 1.5`);

  agent = Bun.spawn([process.execPath, new URL("../edge-agent/src/main.ts", import.meta.url).pathname], {
    env: {
      ...process.env,
      EDGE_API_URL: plane.url,
      EDGE_MQTT_URL: plane.transport.mqttUrl,
      EDGE_RUNTIME_ID: identity.runtimeId,
      EDGE_BOOTSTRAP_TOKEN: identity.bootstrapToken,
      EDGE_STATE_DIR: stateDir,
      EDGE_LOG_LEVEL: "silent",
    },
    stdout: "inherit",
    stderr: "inherit",
  });
  await until("the agent to come online", async () =>
    (await call("GET", `/api/v1/hosts/${host.id}`)).status === "online" ? true : undefined,
  );
  say("agent online");

  const finished = (id: string) =>
    until(`command ${id}`, async () => {
      const c = await call("GET", `/api/v1/commands/${id}`);
      return c.status === "completed" || c.status === "failed" ? c : undefined;
    });

  const ok = await call("POST", "/api/v1/commands", {
    hostId: host.id,
    kind: "exec",
    params: { command: "uname", args: ["-sm"] },
  });
  const okDone = await finished(ok.id);
  say(`exec uname -sm → ${okDone.status}, stdout: ${JSON.stringify(okDone.result?.stdout?.trim())}`);

  const bad = await call("POST", "/api/v1/commands", {
    hostId: host.id,
    kind: "exec",
    params: { command: "rm", args: ["-rf", "/tmp/x"] },
  });
  const badDone = await finished(bad.id);
  say(`exec rm -rf → ${badDone.status}: ${badDone.error}`);

  const fast = await call("POST", "/api/v1/commands", { hostId: host.id, kind: "sleep", params: { ms: 10, speed: 2 } });
  const fastDone = await finished(fast.id);
  say(`sleep with speed=2 → ${fastDone.status}: ${fastDone.error}`);
} finally {
  agent?.kill("SIGTERM");
  await agent?.exited;
  await plane.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
