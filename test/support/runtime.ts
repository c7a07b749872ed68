/** Provisioning helpers: a host with a bootstrapped runtime identity. */
import mqtt, { type MqttClient } from "mqtt";
import { codecs, PresenceState, topic } from "@edge/proto/wire";
import type { TestPlane } from "./control-plane";
import { waitFor } from "./wait";
import { AgentProcess } from "./agent-process";

export async function hostWithRuntime(t: TestPlane, name: string, key = t.adminKey) {
  const host = (await t.api.post("/api/v1/hosts", { name: `${name}-${crypto.randomUUID().slice(0, 8)}` }, key)).body;
  const identity = (await t.api.post("/api/runtime/identities", { hostId: host.id }, key)).body;
  const tokens = (
    await t.api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
      runtimeVersion: "2026.02.15",
    })
  ).body;
  return {
    hostId: host.id as string,
    runtimeId: identity.runtimeId as string,
    token: tokens.accessToken as string,
    tenantId: tokens.tenantId as string,
  };
}

/** Waits until a command is completed or failed and returns it. */
export function commandFinished(t: TestPlane, id: string, timeoutMs = 10_000) {
  return waitFor(
    `command ${id} to finish`,
    async () => {
      const c = (await t.api.get(`/api/v1/commands/${id}`, t.adminKey)).body;
      return c.status === "completed" || c.status === "failed" ? c : undefined;
    },
    timeoutMs,
  );
}

/** A safety policy with `rules` and an environment enforcing it; returns the environment id. */
export async function policedEnvironment(t: TestPlane, name: string, rules: object): Promise<string> {
  const policy = await t.api.post("/api/v1/safety-policies", { name: `${name}-safety`, rules }, t.adminKey);
  if (policy.status !== 201) throw new Error(`policy creation failed: ${JSON.stringify(policy.body)}`);
  return (
    await t.api.post("/api/v1/environments", { name: `${name}-env`, safetyPolicyIds: [policy.body.id] }, t.adminKey)
  ).body.id;
}

/** A host in `environmentId` with a fresh identity, and an agent process for it (not started). */
export async function agentFor(
  t: TestPlane,
  environmentId: string,
  name: string,
  opts: { mqttUrl?: string; env?: Record<string, string>; command?: string[] } = {},
) {
  const host = (
    await t.api.post("/api/v1/hosts", { name: `${name}-${crypto.randomUUID().slice(0, 8)}`, environmentId }, t.adminKey)
  ).body;
  const identity = (await t.api.post("/api/runtime/identities", { hostId: host.id }, t.adminKey)).body;
  const agent = new AgentProcess({
    apiUrl: t.plane.url,
    mqttUrl: opts.mqttUrl ?? t.plane.transport.mqttUrl,
    runtimeId: identity.runtimeId,
    bootstrapToken: identity.bootstrapToken,
    env: opts.env,
    command: opts.command,
  });
  return { host, identity, agent };
}

export const hostOnline = (t: TestPlane, hostId: string, timeoutMs?: number) =>
  waitFor(
    `host ${hostId} online`,
    async () => (await t.api.get(`/api/v1/hosts/${hostId}`, t.adminKey)).body.status === "online",
    timeoutMs ?? 30_000, // an agent process starting on a machine loaded by other suites can take more than 10 s
  );

/** A simulated agent's client says it is online (retained ONLINE presence, as an agent's connect does); resolves once
 * the control plane shows the host online. */
export async function announceOnline(t: TestPlane, client: MqttClient, h: { tenantId: string; hostId: string }) {
  const online = codecs.presence.encode({
    state: PresenceState.PRESENCE_STATE_ONLINE,
    agentVersion: "1",
    atMs: Date.now(),
  });
  await client.publishAsync(topic(h.tenantId, h.hostId, "presence"), Buffer.from(online), { qos: 1, retain: true });
  await hostOnline(t, h.hostId);
}

/** An MQTT client logged in as the host's agent (its runtime identity and access token), on the plane's broker. */
export function connectAsAgent(t: TestPlane, h: { runtimeId: string; token: string }): Promise<MqttClient> {
  return mqtt.connectAsync(t.plane.transport.mqttUrl, {
    clientId: h.runtimeId,
    username: h.runtimeId,
    password: h.token,
    reconnectPeriod: 0,
  });
}
