/**
 * A fleet of simulated agents for fleet and rollout tests and benchmarks: hosts provisioned through the API (with
 * labels and real runtime credentials), each agent an MQTT client speaking the agents' wire protocol. By default an
 * agent runs every command at once (RUNNING, COMPLETED); `runtime.update` goes through the real update API (apply
 * with the grant, report applied) unless the agent is told to fail it. A policy set (the retained `policies` message)
 * is acknowledged like a real agent does (AgentSafetyState with its version) unless `policyBehaviour` is "ignore".
 */
import mqtt, { type MqttClient } from "mqtt";
import { CommandStatus, PresenceState, codecs, topic } from "../../proto/wire";
import type { ControlPlane } from "../../control-plane/src/app";
import type { ApiClient } from "./control-plane";

export interface SimIdentity {
  runtimeId: string;
  tenantId: string;
  hostId: string;
  accessToken: string;
}

/** What a simulated agent does with a command: complete it, fail it, or never answer. */
export type SimBehaviour = "complete" | "fail" | "ignore";

export interface SimHost extends SimIdentity {
  name: string;
  labels: Record<string, string>;
  version: string;
  behaviour: SimBehaviour;
  /** Commands received (ids), in order. */
  received: string[];
  /** What the agent does with a policy set: acknowledge enforcing it, or never answer. */
  policyBehaviour?: "apply" | "ignore";
  /** The policy set it acknowledged (version and policy ids); unset until one arrived. */
  policies?: { version: number; ids: string[] };
  client?: MqttClient;
}

/**
 * Provisions `n` hosts (`labels(i)`) with bootstrapped runtime identities, `concurrency` at a time. Through the
 * control plane's services (the code behind POST /api/v1/hosts, /api/runtime/identities and the bootstrap exchange),
 * which skips three HTTP round trips per host.
 */
export async function provisionHosts(
  plane: ControlPlane,
  key: string,
  n: number,
  labels: (i: number) => Record<string, string>,
  opts: { prefix?: string; concurrency?: number; version?: string } = {},
): Promise<SimHost[]> {
  const { hosts, runtime, authenticator } = plane.services;
  const principal = await authenticator.user(`Bearer ${key}`);
  const version = opts.version ?? "2026.01.01";
  const out: SimHost[] = new Array(n);
  let next = 0;
  const prefix = opts.prefix ?? `sim-${crypto.randomUUID().slice(0, 6)}`;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency ?? 16, n) }, async () => {
      while (next < n) {
        const i = next++;
        const name = `${prefix}-${String(i).padStart(5, "0")}`;
        const host = await hosts.register(principal.tenantId, { name, labels: labels(i) });
        const identity = await runtime.createIdentity(principal, { hostId: host.id });
        const tokens = await runtime.exchange({
          runtimeId: identity.runtimeId,
          bootstrapToken: identity.bootstrapToken,
          runtimeVersion: version,
        });
        out[i] = { ...(tokens as SimIdentity), name, labels: labels(i), version, behaviour: "complete", received: [] };
      }
    }),
  );
  return out;
}

/** Connects the simulated agent of `host` (online once its presence is processed). */
export async function connectSimAgent(api: ApiClient, mqttUrl: string, host: SimHost): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: host.runtimeId,
    username: host.runtimeId,
    password: host.accessToken,
    clean: true,
    reconnectPeriod: 0,
  });
  host.client = client;
  const ack = (commandId: string, status: CommandStatus, extra: { error?: string; result?: object } = {}) =>
    client.publishAsync(
      topic(host.tenantId, host.hostId, "ack"),
      Buffer.from(
        codecs.commandUpdate.encode({
          commandId,
          status,
          error: extra.error ?? "",
          resultJson: JSON.stringify(extra.result ?? {}),
          atMs: Date.now(),
        }),
      ),
      { qos: 1 },
    );
  const seen = new Set<string>();
  client.on("message", (name, payload) => {
    const work = name.endsWith("/policies") ? applyPolicies(payload) : handle(payload);
    void work.catch(() => {}); // a reply cut short by a disconnect is lost, as on a real agent
  });
  const applyPolicies = async (payload: Buffer) => {
    if (host.policyBehaviour === "ignore") return;
    const set = codecs.policySet.decode(payload);
    host.policies = { version: set.version, ids: set.policies.map((p) => p.id) };
    await client.publishAsync(
      topic(host.tenantId, host.hostId, "safety"),
      Buffer.from(
        codecs.safetyState.encode({
          estopGeneration: 0,
          remoteEngaged: false,
          localEngaged: false,
          localReason: "",
          killed: 0,
          policyVersion: set.version,
          atMs: Date.now(),
        }),
      ),
      { qos: 1 },
    );
  };
  const handle = async (payload: Buffer) => {
    const command = codecs.command.decode(payload);
    if (seen.has(command.id)) return; // redelivery: the agent's durable dedupe
    seen.add(command.id);
    host.received.push(command.id);
    if (host.behaviour === "ignore") return;
    {
      await ack(command.id, CommandStatus.COMMAND_STATUS_RUNNING);
      if (host.behaviour === "fail")
        return ack(command.id, CommandStatus.COMMAND_STATUS_FAILED, { error: "simulated failure" });
      if (command.kind !== "runtime.update") return ack(command.id, CommandStatus.COMMAND_STATUS_COMPLETED);
      const params = JSON.parse(command.paramsJson || "{}");
      const apply = await api.post(
        "/api/runtime/updates/apply",
        {
          approved: true,
          grantToken: params.grantToken,
          currentVersion: host.version,
          channel: params.channel,
          targetVersion: params.targetVersion,
        },
        host.accessToken,
      );
      if (apply.status !== 200)
        return ack(command.id, CommandStatus.COMMAND_STATUS_FAILED, { error: `apply: ${apply.body?.error}` });
      const fromVersion = host.version;
      host.version = params.targetVersion;
      await api.post(
        "/api/runtime/updates/report",
        { channel: params.channel, fromVersion, toVersion: host.version, status: "applied" },
        host.accessToken,
      );
      await ack(command.id, CommandStatus.COMMAND_STATUS_COMPLETED, {
        result: { fromVersion, toVersion: host.version },
      });
    }
  };
  await client.subscribeAsync(
    [topic(host.tenantId, host.hostId, "cmd"), topic(host.tenantId, host.hostId, "policies")],
    { qos: 1 },
  );
  await client.publishAsync(
    topic(host.tenantId, host.hostId, "presence"),
    Buffer.from(
      codecs.presence.encode({
        state: PresenceState.PRESENCE_STATE_ONLINE,
        agentVersion: host.version,
        atMs: Date.now(),
      }),
    ),
    { qos: 1, retain: true },
  );
}

/** Disconnects like a crash (no goodbye), then says it is offline as its Last Will would. */
export async function disconnectSimAgent(mqttUrl: string, host: SimHost): Promise<void> {
  await host.client?.endAsync(true);
  host.client = undefined;
  const will = await mqtt.connectAsync(mqttUrl, {
    clientId: host.runtimeId,
    username: host.runtimeId,
    password: host.accessToken,
    clean: true,
    reconnectPeriod: 0,
  });
  await will.publishAsync(
    topic(host.tenantId, host.hostId, "presence"),
    Buffer.from(
      codecs.presence.encode({
        state: PresenceState.PRESENCE_STATE_OFFLINE,
        agentVersion: host.version,
        atMs: Date.now(),
      }),
    ),
    { qos: 1, retain: true },
  );
  await will.endAsync(true);
}

/** Connects many agents, `concurrency` at a time. */
export async function connectAll(api: ApiClient, mqttUrl: string, hosts: SimHost[], concurrency = 32) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, hosts.length) }, async () => {
      while (next < hosts.length) await connectSimAgent(api, mqttUrl, hosts[next++]!);
    }),
  );
}

export async function disconnectAll(hosts: SimHost[]) {
  await Promise.all(hosts.map((h) => h.client?.endAsync(true).catch(() => {})));
}
