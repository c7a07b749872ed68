/**
 * MQTT telemetry consumers with a real third-party client (Debian's mosquitto_sub / mosquitto_pub): consumer keys,
 * tenant-bound subscribe-only ACLs on the embedded broker, the JSON mirror, revocation, slow consumers; the same on
 * Mosquitto (the local one, and a private one started from the generated password and ACL files).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import {
  DYNSEC_PLUGIN,
  MosquittoSub,
  mosquittoPub,
  PrivateMosquitto,
  type GeneratedBrokerConfig,
} from "../support/mosquitto-clients";
import { hostWithRuntime } from "../support/runtime";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../control-plane/src/db/connect";
import { asSystem } from "../../control-plane/src/db/context";
import { insertFleet } from "../support/fleet-rows";
import { waitFor } from "../support/wait";
import { codecs, PresenceState, topic, withAgentSeq, type JsonTelemetryPoint } from "../../proto/wire";

if (!Bun.which("mosquitto_sub") || !Bun.which("mosquitto_pub"))
  throw new Error("mosquitto_sub/mosquitto_pub missing: apt-get install -y mosquitto-clients (.ci/run does)");

const backends = await availableBackends();
const REFUSED = 128;
// Whatever fails, no mosquitto_sub outlives the file.
afterAll(() => MosquittoSub.stopAll());

/** A host with a live runtime identity and a raw MQTT client logged in as its agent. */
async function rawAgent(t: TestPlane, key: string, mqttUrl = t.plane.transport.mqttUrl) {
  const h = await hostWithRuntime(t, "consumer-src", key);
  const client: MqttClient = await mqtt.connectAsync(mqttUrl, {
    clientId: h.runtimeId,
    username: h.runtimeId,
    password: h.token,
    reconnectPeriod: 0,
  });
  let seq = 0;
  const publish = (channel: "telemetry" | "status" | "presence", payload: Uint8Array, retain = false) =>
    client.publishAsync(topic(h.tenantId, h.hostId, channel), Buffer.from(payload), { qos: 1, retain });
  return {
    ...h,
    client,
    telemetry: (name: string, value: number, tags: Record<string, string> = {}) => {
      seq++;
      const batch = codecs.telemetry.encode({ points: [{ name, value, tags, atMs: Date.now(), seq }] });
      return publish("telemetry", withAgentSeq(batch, seq, seq - 1));
    },
    status: () => {
      seq++;
      const report = codecs.status.encode({
        agentVersion: "1.2.3",
        uptimeSeconds: 42,
        load1: 0.5,
        memoryTotalBytes: 1000,
        memoryFreeBytes: 400,
        runningCommands: 0,
        atMs: Date.now(),
      });
      return publish("status", withAgentSeq(report, seq, seq - 1));
    },
    online: () =>
      publish(
        "presence",
        codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_ONLINE, agentVersion: "1.2.3", atMs: Date.now() }),
        true,
      ),
    stop: () => client.endAsync(true),
  };
}

const json = (m: { payload: Buffer }) => JSON.parse(m.payload.toString("utf8"));

describe.each(backends)("MQTT consumers on the embedded broker, $name", (backend) => {
  let t: TestPlane;
  let tenantA: string;
  let tenantB: { tenantId: string; key: string };
  let port: number;
  const subs: MosquittoSub[] = [];
  /** A mosquitto_sub logged in with a consumer key, stopped after the suite. */
  const consumer = (key: { id: string; key: string }, topics: string[]) => {
    const sub = new MosquittoSub({ port, username: key.id, password: key.key, clientId: `${key.id}-test` }, topics);
    subs.push(sub);
    return sub;
  };
  const newKey = async (adminKey: string, name = "dashboard") => {
    const res = await t.api.post("/api/v1/consumer-keys", { name }, adminKey);
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; mqttUsername: string };
  };

  beforeAll(async () => {
    // A small per-consumer bound, so the slow-consumer test needs little traffic.
    t = await startTestPlane(backend, { mqttConsumerMaxBufferBytes: 64 * 1024 });
    tenantA = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    tenantB = await createTenant(t, "consumers-b");
    port = Number(new URL(t.plane.transport.mqttUrl).port);
    expect((await t.api.put("/api/v1/consumers/settings", { jsonMirror: true }, t.adminKey)).status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all(subs.map((s) => s.stop()));
    await t?.stop();
  });

  test("consumer keys: created by a tenant admin, shown once, listed, useless on the REST API; bad input is a 4xx", async () => {
    const key = await newKey(t.adminKey);
    expect(key.key).toStartWith("roz_mqc_");
    expect(key.mqttUsername).toBe(key.id);
    const listed = (await t.api.get("/api/v1/consumer-keys", t.adminKey)).body.items;
    expect(listed.find((k: { id: string }) => k.id === key.id)).toMatchObject({ name: "dashboard", revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key.key);
    // Tenant B sees none of A's keys, and cannot revoke them.
    expect((await t.api.get("/api/v1/consumer-keys", tenantB.key)).body.items).toEqual([]);
    expect((await t.api.delete(`/api/v1/consumer-keys/${key.id}`, tenantB.key)).status).toBe(404);
    // A consumer key is no API credential.
    expect((await t.api.get("/api/v1/hosts", key.key)).status).toBe(401);
    expect((await t.api.post("/api/v1/consumer-keys", { name: "x" }, key.key)).status).toBe(401);
    for (const body of [{}, { name: "" }, { name: 5 }, { name: "x", scope: "all" }])
      expect((await t.api.post("/api/v1/consumer-keys", body, t.adminKey)).status).toBe(400);
    for (const body of [{}, { jsonMirror: "yes" }, { jsonMirror: 1 }])
      expect((await t.api.put("/api/v1/consumers/settings", body, t.adminKey)).status).toBe(400);
    // The broker configuration spans tenants: installation admins only.
    expect((await t.api.get("/api/admin/mqtt/mosquitto-config", tenantB.key)).status).toBe(403);
  });

  test("mosquitto_sub with a consumer key sees its tenant's telemetry as protobuf and as JSON, plus status and presence", async () => {
    const key = await newKey(t.adminKey);
    const agent = await rawAgent(t, t.adminKey);
    const sub = consumer(key, [`edge/${tenantA}/+/telemetry`, `edge-json/${tenantA}/#`]);
    expect(await sub.subscribed()).toEqual([0, 0]);
    try {
      await agent.online();
      await agent.telemetry("battery.voltage", 24.2, { unit: "V", arm: "left" });
      await agent.status();
      const protoTopic = topic(tenantA, agent.hostId, "telemetry");
      const jsonTopic = `edge-json/${tenantA}/${agent.hostId}/telemetry`;
      await waitFor(
        "protobuf and JSON telemetry",
        async () => sub.on(protoTopic).length > 0 && sub.on(jsonTopic).length > 0,
      );
      const [batch] = sub.on(protoTopic).map((m) => codecs.telemetry.decode(m.payload));
      expect(batch!.points[0]).toMatchObject({ name: "battery.voltage", value: 24.2, tags: { unit: "V" } });
      const point: JsonTelemetryPoint = json(sub.on(jsonTopic)[0]!);
      expect(point).toMatchObject({
        host: agent.hostId,
        name: "battery.voltage",
        value: 24.2,
        unit: "V",
        seq: 1,
        tags: { unit: "V", arm: "left" },
      });
      expect(Date.parse(point.time)).toBeGreaterThan(Date.now() - 60_000);
      const status = await waitFor("JSON status", async () => sub.on(`edge-json/${tenantA}/${agent.hostId}/status`)[0]);
      expect(json(status)).toMatchObject({ host: agent.hostId, agentVersion: "1.2.3", uptimeSeconds: 42, load1: 0.5 });
      const presence = await waitFor(
        "JSON presence",
        async () => sub.on(`edge-json/${tenantA}/${agent.hostId}/presence`)[0],
      );
      expect(json(presence)).toMatchObject({ host: agent.hostId, status: "online", previous: "offline" });
      // Presence is retained: a consumer connecting later learns the current status at once.
      const late = consumer(key, [`edge-json/${tenantA}/+/presence`]);
      const retained = await waitFor("retained presence", async () =>
        late.messages.find((m) => m.topic.includes(agent.hostId)),
      );
      expect(json(retained).status).toBe("online");
    } finally {
      await agent.stop();
    }
  });

  test("wildcards cannot leave the tenant: #, $SYS/#, edge/+/..., other tenants and agent topics get SUBACK 0x80", async () => {
    const key = await newKey(t.adminKey);
    const refused = [
      "#",
      "$SYS/#",
      "+/#",
      `edge/#`,
      `edge/+/+/telemetry`,
      `edge/${tenantA}/#`,
      `edge/${tenantA}/+/+`,
      `edge/${tenantA}/+/cmd`,
      `edge/${tenantA}/+/ack`,
      `edge/${tenantA}/+/estop`,
      `edge/${tenantB.tenantId}/+/telemetry`,
      `edge-json/+/+/telemetry`,
      `edge-json/#`,
      `edge-json/${tenantB.tenantId}/#`,
      `$share/g/edge/${tenantA}/+/telemetry`,
    ];
    const sub = consumer(key, refused);
    expect(await sub.subscribed()).toEqual(refused.map(() => REFUSED));
    // The same with mqtt.js, one filter at a time, beside the allowed ones.
    const client = await mqtt.connectAsync(t.plane.transport.mqttUrl, {
      clientId: `${key.id}-mqttjs`,
      username: key.id,
      password: key.key,
      reconnectPeriod: 0,
    });
    try {
      const allowed = [
        `edge/${tenantA}/+/telemetry`,
        `edge/${tenantA}/+/status`,
        `edge/${tenantA}/+/presence`,
        `edge/${tenantA}/host_x/telemetry`,
        `edge-json/${tenantA}/#`,
        `edge-json/${tenantA}/+/+`,
        `edge-json/${tenantA}/+/telemetry`,
      ];
      // mqtt.js rejects a refused subscription; the SUBACK is on the error.
      const granted = (filter: string) =>
        client.subscribeAsync(filter, { qos: 1 }).then(
          (grants) => grants[0]!.qos,
          (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
        );
      for (const filter of allowed) expect(await granted(filter)).toBe(0);
      for (const filter of refused) expect(await granted(filter)).toBe(REFUSED);
    } finally {
      await client.endAsync(true);
    }
    // Another tenant's consumer sees nothing of this tenant's telemetry.
    const keyB = await newKey(tenantB.key);
    const subB = consumer(keyB, [`edge-json/${tenantB.tenantId}/#`, `edge/${tenantB.tenantId}/+/telemetry`]);
    expect(await subB.subscribed()).toEqual([0, 0]);
    const subA = consumer(key, [`edge-json/${tenantA}/#`]);
    await subA.subscribed();
    const agent = await rawAgent(t, t.adminKey);
    try {
      await agent.telemetry("private", 1);
      await waitFor("tenant A's consumer to see it", async () =>
        subA.messages.some((m) => m.topic.endsWith("/telemetry")),
      );
      expect(subB.messages).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  test("a consumer cannot publish: mosquitto_pub is disconnected and nothing reaches the agent or the control plane", async () => {
    const key = await newKey(t.adminKey);
    const agent = await rawAgent(t, t.adminKey);
    const received: string[] = [];
    agent.client.on("message", (name) => received.push(name));
    await agent.client.subscribeAsync(topic(tenantA, agent.hostId, "cmd"), { qos: 1 });
    try {
      const login = { port, username: key.id, password: key.key, clientId: `${key.id}-pub` };
      for (const channel of ["cmd", "telemetry", "presence"] as const) {
        const pub = await mosquittoPub(login, topic(tenantA, agent.hostId, channel), "forged");
        expect(pub.code).not.toBe(0);
      }
      expect((await mosquittoPub(login, `edge-json/${tenantA}/${agent.hostId}/telemetry`, "{}")).code).not.toBe(0);
      await Bun.sleep(300);
      expect(received).toEqual([]);
      const host = (await t.api.get(`/api/v1/hosts/${agent.hostId}`, t.adminKey)).body;
      expect(host.status).not.toBe("online");
      expect((await t.api.get(`/api/v1/hosts/${agent.hostId}/telemetry`, t.adminKey)).body.items ?? []).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  test("logins: wrong key, another key's id, a foreign client id are refused", async () => {
    const key = await newKey(t.adminKey);
    const other = await newKey(t.adminKey, "other");
    const cases = [
      { login: { username: key.id, password: other.key, clientId: `${key.id}-a` }, code: 4 },
      { login: { username: key.id, password: "roz_mqc_guess", clientId: `${key.id}-a` }, code: 4 },
      { login: { username: key.id, password: key.key }, code: 2 }, // mosquitto_sub's own random client id
      { login: { username: key.id, password: key.key, clientId: `${other.id}-a` }, code: 2 },
      { login: { username: key.id, password: key.key, clientId: "runtime_someone" }, code: 2 },
    ];
    for (const { login, code } of cases) {
      const sub = new MosquittoSub({ port, ...login }, [`edge-json/${tenantA}/#`]);
      subs.push(sub);
      expect(await sub.exited()).toBe(code);
    }
  });

  test("a key holds at most 10 connections at once", async () => {
    const key = await newKey(t.adminKey);
    const connect = (n: number) =>
      mqtt.connectAsync(t.plane.transport.mqttUrl, {
        clientId: `${key.id}-${n}`,
        username: key.id,
        password: key.key,
        reconnectPeriod: 0,
      });
    const open = [];
    for (let i = 0; i < 10; i++) open.push(await connect(i));
    try {
      const refused = await connect(10).then(
        (client) => client.endAsync(true).then(() => "connected"),
        (err: Error) => err.message,
      );
      expect(refused).toContain("Server unavailable");
      // The same client id takes its own session over (a reconnect), and a freed slot is usable again.
      const again = await connect(0);
      open.push(again);
      await open.shift()!.endAsync(true);
      await open.shift()!.endAsync(true);
      open.push(await connect(11));
    } finally {
      await Promise.all(open.map((c) => c.endAsync(true)));
    }
  });

  test("revoking a key disconnects its open subscription at once and refuses the next login", async () => {
    const key = await newKey(t.adminKey);
    const sub = consumer(key, [`edge-json/${tenantA}/#`]);
    await sub.subscribed();
    const broker = t.plane.transport.broker!;
    await waitFor("consumer connected", async () => broker.consumerClients(key.id).length === 1);
    const res = await t.api.delete(`/api/v1/consumer-keys/${key.id}`, t.adminKey);
    expect(res.status).toBe(200);
    expect(res.body.revokedAt).toBeString();
    // Gone when the DELETE answers; mosquitto_sub's reconnect is refused, so it exits.
    expect(broker.consumerClients(key.id)).toEqual([]);
    expect(await sub.exited()).not.toBe(0);
    expect(sub.stderr).toContain("bad user name or password");
    // Revoking again is harmless; the audit trail has both actions.
    expect((await t.api.delete(`/api/v1/consumer-keys/${key.id}`, t.adminKey)).status).toBe(200);
    const audit = (await t.api.get("/api/v1/audit?action=consumer_key.revoke", t.adminKey)).body.items;
    expect(audit.some((a: { detail: { keyId: string } }) => a.detail.keyId === key.id)).toBe(true);
  });

  test("a stalled consumer is dropped, and the agent's publishes are acknowledged meanwhile", async () => {
    const key = await newKey(t.adminKey);
    const stalled = consumer(key, [`edge/${tenantA}/+/telemetry`]);
    await stalled.subscribed();
    const broker = t.plane.transport.broker!;
    await waitFor("consumer connected", async () => broker.consumerClients(key.id).length === 1);
    stalled.pause();
    const agent = await rawAgent(t, t.adminKey);
    try {
      // 40 × 256 KiB: beyond the loopback socket buffers plus the 64 KiB bound (it is dropped after ~4 MiB here). (Not protobuf: the control
      // plane drops it unread.) Without the bound, aedes would hold every PUBACK until the consumer drains.
      const payload = Buffer.alloc(256 * 1024, 0xff);
      for (let i = 0; i < 40; i++)
        await agent.client.publishAsync(topic(tenantA, agent.hostId, "telemetry"), payload, { qos: 1 });
      // Every PUBACK came while the consumer was still stopped, and it is gone.
      expect(broker.consumerClients(key.id)).toEqual([]);
      // A healthy consumer of the same key still gets everything that follows.
      const healthy = consumer(key, [`edge-json/${tenantA}/#`]);
      await healthy.subscribed();
      await agent.telemetry("after", 1);
      await waitFor("healthy consumer receives", async () => healthy.messages.some((m) => json(m).name === "after"));
    } finally {
      await agent.stop();
    }
  });

  test("the JSON mirror is opt-in per tenant", async () => {
    expect((await t.api.get("/api/v1/consumers/settings", tenantB.key)).body.jsonMirror).toBe(false);
    const keyB = await newKey(tenantB.key);
    const sub = consumer(keyB, [`edge-json/${tenantB.tenantId}/#`, `edge/${tenantB.tenantId}/+/telemetry`]);
    await sub.subscribed();
    const agent = await rawAgent(t, tenantB.key);
    try {
      await agent.telemetry("quiet", 1);
      await waitFor("protobuf telemetry", async () => sub.messages.some((m) => m.topic.startsWith("edge/")));
      await Bun.sleep(300);
      expect(sub.messages.filter((m) => m.topic.startsWith("edge-json/"))).toEqual([]);
      expect((await t.api.put("/api/v1/consumers/settings", { jsonMirror: true }, tenantB.key)).body.jsonMirror).toBe(
        true,
      );
      await agent.telemetry("loud", 2);
      await waitFor("JSON telemetry", async () =>
        sub.messages.some((m) => m.topic.startsWith("edge-json/") && json(m).name === "loud"),
      );
    } finally {
      await agent.stop();
    }
  });
});

const onMosquitto = (await postgresReachable()) && (await mqttReachable());
if (!onMosquitto)
  console.warn(`PostgreSQL or Mosquitto (${TEST_MQTT_URL}) unreachable: Mosquitto consumer tests skipped`);

describe.skipIf(!onMosquitto)("MQTT consumers on Mosquitto", () => {
  let t: TestPlane;
  let tenant: string;
  beforeAll(async () => {
    t = await startTestPlane(backends.find((b) => b.name === "postgres")!, { mqttUrl: TEST_MQTT_URL });
    tenant = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    await t.api.put("/api/v1/consumers/settings", { jsonMirror: true }, t.adminKey);
  });
  afterAll(() => t?.stop());

  test("mosquitto_sub on the local Mosquitto sees the control plane's JSON mirror and the agent's protobuf", async () => {
    const { port } = new URL(TEST_MQTT_URL);
    const sub = new MosquittoSub({ port: Number(port || 1883) }, [
      `edge/${tenant}/+/telemetry`,
      `edge-json/${tenant}/#`,
    ]);
    await sub.subscribed();
    const agent = await rawAgent(t, t.adminKey, TEST_MQTT_URL);
    try {
      await agent.telemetry("wheel.speed", 1.5, { unit: "m/s" });
      await waitFor("both forms", async () => sub.messages.length >= 2 && sub.messages);
      const proto = sub.on(topic(tenant, agent.hostId, "telemetry"))[0]!;
      expect(codecs.telemetry.decode(proto.payload).points[0]!.name).toBe("wheel.speed");
      const point = json(sub.on(`edge-json/${tenant}/${agent.hostId}/telemetry`)[0]!);
      expect(point).toMatchObject({ host: agent.hostId, name: "wheel.speed", value: 1.5, unit: "m/s" });
      // Exactly one copy: the mirror is published by the replica that applied the batch.
      await Bun.sleep(300);
      expect(sub.on(`edge-json/${tenant}/${agent.hostId}/telemetry`)).toHaveLength(1);
    } finally {
      await agent.stop();
      await sub.stop();
    }
  });
});

describe.skipIf(!Bun.which("mosquitto"))("generated Mosquitto configuration", () => {
  let t: TestPlane;
  let tenantA: string;
  let b: { tenantId: string; key: string };
  const brokers: PrivateMosquitto[] = [];
  const cp = { username: "control-plane", password: "cp-secret-for-tests" };
  beforeAll(async () => {
    t = await startTestPlane(backends[0]!, { mqttUsername: cp.username, mqttPassword: cp.password });
    tenantA = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    b = await createTenant(t, "mosq-b");
  });
  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop()));
    await t?.stop();
  });

  const config = async () => {
    const res = await t.api.get("/api/admin/mqtt/mosquitto-config", t.adminKey);
    expect(res.status).toBe(200);
    return res.body as GeneratedBrokerConfig & { dynamicSecurity: { clients: unknown[] } };
  };

  /** The files as `npm run mosquitto-config` writes them. */
  const configViaScript = async (): Promise<GeneratedBrokerConfig> => {
    const out = mkdtempSync(join(tmpdir(), "mosquitto-config-"));
    try {
      const script = Bun.spawn([process.execPath, "scripts/mosquitto-config.ts", "--url", t.plane.url, "--out", out], {
        env: { ...process.env, ADMIN_KEY: t.adminKey },
        stdout: "ignore",
        stderr: "pipe",
      });
      expect(await script.exited).toBe(0);
      const read = (name: string) => readFileSync(join(out, name), "utf8");
      // The broker settings (Nagle off, a queue for a fleet's presences; see README) and the files by absolute path.
      const { brokerSettings } = await config();
      expect(brokerSettings).toContain("set_tcp_nodelay true");
      expect(brokerSettings).toContain("max_queued_messages 100000");
      const edgeConf = read("edge.conf");
      expect(edgeConf).toContain(brokerSettings.trimEnd());
      expect(edgeConf.split("\n")).toContain(`password_file ${join(out, "passwd")}`);
      expect(edgeConf.split("\n")).toContain(`acl_file ${join(out, "acl")}`);
      return {
        brokerSettings,
        passwordFile: read("passwd"),
        aclFile: read("acl"),
        dynamicSecurity: JSON.parse(read("dynamic-security.json")),
      };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  };

  /** Keys of both tenants, a private broker from the generated files, tenant A's consumer subscribed to `topics`. */
  async function setUp(mode: "acl_file" | "dynsec", topics: string[]) {
    const keyA = (await t.api.post("/api/v1/consumer-keys", { name: "a" }, t.adminKey)).body;
    const keyB = (await t.api.post("/api/v1/consumer-keys", { name: "b" }, b.key)).body;
    const files = await configViaScript();
    expect(files.passwordFile).not.toContain(keyA.key); // hashes only
    expect(files.passwordFile).toContain(`${keyA.id}:$7$101$`);
    const broker = new PrivateMosquitto(mode);
    brokers.push(broker);
    await broker.start(files);
    const login = (key: { id: string; key: string }) => ({
      port: broker.port,
      username: key.id,
      password: key.key,
      clientId: `${key.id}-t`,
    });
    const subA = new MosquittoSub(login(keyA), topics);
    const subB = new MosquittoSub(login(keyB), [`edge/${b.tenantId}/+/telemetry`]);
    expect(await subB.subscribed()).toEqual([0]);
    const asControlPlane = { port: broker.port, username: cp.username, password: cp.password };
    return { keyA, broker, login, subA, subB, asControlPlane };
  }

  /** The control plane's login (from the same files) publishes, as it and the agents would. */
  async function publishAsControlPlane(port: number, name: string, payload: Uint8Array | string) {
    const args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", String(port), "-u", cp.username, "-P", cp.password];
    const pub = Bun.spawn([...args, "-t", name, "-s"], { stdin: new Blob([payload]) });
    expect(await pub.exited).toBe(0);
  }

  test("password + ACL files: a consumer reads its tenant only, publishes nothing, and a revoked key is refused after a reload", async () => {
    const { keyA, broker, login, subA, subB } = await setUp("acl_file", [
      `edge/${tenantA}/+/telemetry`,
      `edge-json/${tenantA}/#`,
      "#",
    ]);
    try {
      // Mosquitto's acl_file grants any SUBACK and filters every delivery instead: `#` brings nothing foreign.
      expect(await subA.subscribed()).toEqual([0, 0, 0]);
      const batch = codecs.telemetry.encode({ points: [{ name: "t", value: 1, tags: {}, atMs: Date.now(), seq: 1 }] });
      const proto = `edge/${tenantA}/host_1/telemetry`;
      await publishAsControlPlane(broker.port, proto, batch);
      await publishAsControlPlane(broker.port, `edge-json/${tenantA}/host_1/telemetry`, '{"name":"t"}');
      await publishAsControlPlane(broker.port, `edge/${tenantA}/host_1/cmd`, "a command");
      await publishAsControlPlane(broker.port, `edge/${b.tenantId}/host_2/telemetry`, "tenant b");
      await waitFor("consumer B receives its own", async () => subB.messages.length === 1);
      await waitFor("consumer A receives both forms", async () => subA.messages.length >= 2);
      await Bun.sleep(300);
      expect(codecs.telemetry.decode(subA.on(proto)[0]!.payload).points[0]!.name).toBe("t");
      const topics = subA.messages.map((m) => m.topic);
      expect(topics).not.toContain(`edge/${tenantA}/host_1/cmd`);
      expect(topics).not.toContain(`edge/${b.tenantId}/host_2/telemetry`);
      // A consumer's publish is dropped (Mosquitto does so silently for MQTT 3.1.1).
      await mosquittoPub(login(keyA), `edge-json/${tenantA}/host_1/telemetry`, "forged", 0);
      await Bun.sleep(300);
      expect(subA.messages.map((m) => m.payload.toString())).not.toContain("forged");

      // Revoked: gone from the regenerated files; after a reload its login is refused.
      await t.api.delete(`/api/v1/consumer-keys/${keyA.id}`, t.adminKey);
      const after = await config();
      expect(after.passwordFile).not.toContain(keyA.id);
      expect(after.aclFile).not.toContain(keyA.id);
      broker.reload(after);
      await waitFor("revoked key refused after reload", async () => {
        const probe = new MosquittoSub(login(keyA), [`edge-json/${tenantA}/#`]);
        const code = await Promise.race([probe.exited(), Bun.sleep(1000).then(() => undefined)]);
        await probe.stop();
        return code === 5 || code === 4;
      });
      // Its connection opened before the revocation gets nothing more: every delivery is checked against the ACL.
      const before = subA.messages.length;
      await publishAsControlPlane(broker.port, `edge-json/${tenantA}/host_1/telemetry`, "after revocation");
      await publishAsControlPlane(broker.port, `edge/${b.tenantId}/host_2/telemetry`, "tenant b again");
      await waitFor("consumer B receives the next one", async () => subB.messages.length === 2);
      await Bun.sleep(300);
      expect(subA.messages.length).toBe(before);
    } finally {
      await subA.stop();
      await subB.stop();
    }
  });

  test.skipIf(!existsSync(DYNSEC_PLUGIN))(
    "dynamic security JSON: other tenants, # and agent topics are refused at SUBACK (0x80)",
    async () => {
      const { broker, subA, subB } = await setUp("dynsec", [
        `edge/${tenantA}/+/telemetry`,
        `edge-json/${tenantA}/#`,
        "#",
        "edge/+/+/telemetry",
        `edge/${b.tenantId}/+/telemetry`,
        `edge/${tenantA}/+/cmd`,
      ]);
      try {
        expect(await subA.subscribed()).toEqual([0, 0, REFUSED, REFUSED, REFUSED, REFUSED]);
        await publishAsControlPlane(broker.port, `edge-json/${tenantA}/host_1/telemetry`, '{"name":"t"}');
        await waitFor("consumer A receives", async () => subA.messages.length === 1);
        expect(subB.messages).toEqual([]);
      } finally {
        await subA.stop();
        await subB.stop();
      }
    },
  );

  test("a control plane restarting under a fleet's retained presences applies every one (Mosquitto's default queue keeps 1,000)", async () => {
    const HOSTS = 1_500;
    const broker = new PrivateMosquitto("acl_file");
    brokers.push(broker);
    await broker.start(await config());
    const dataDir = mkdtempSync(join(tmpdir(), "presence-replay-"));
    const onBroker = {
      mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
      mqttUsername: cp.username,
      mqttPassword: cp.password,
    };
    const shared = { dataDir, adminKey: t.adminKey };
    let plane = await startTestPlane(backends[0]!, onBroker, shared);
    try {
      // A fleet the database shows online, each host with a live runtime identity.
      const { tenantId, userId } = await plane.plane.services.authenticator.user(`Bearer ${t.adminKey}`);
      const ids = Array.from({ length: HOSTS }, (_, i) => ({
        hostId: `host_replay${i}`,
        runtimeId: `runtime_replay${i}`,
        name: `replay-${i}`,
      }));
      await insertFleet(plane.plane.database.db, { tenantId, userId }, ids, { status: "online" });
      await plane.plane.stop();
      // While no control plane runs, every agent goes away: the broker keeps each one's OFFLINE presence (its will).
      const client = await mqtt.connectAsync(onBroker.mqttUrl, { username: cp.username, password: cp.password });
      const offline = Buffer.from(
        codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_OFFLINE, agentVersion: "", atMs: Date.now() }),
      );
      await Promise.all(
        ids.map((x) => client.publishAsync(topic(tenantId, x.hostId, "presence"), offline, { qos: 1, retain: true })),
      );
      await client.endAsync();
      // The control plane comes back: it gets all retained presences at once on subscribing, and applies them all.
      plane = await startTestPlane(backends[0]!, onBroker, shared);
      const online = async () => {
        const rows = await asSystem("test count", () =>
          plane.plane.database.db.execute(
            sql`select count(*)::int as n from hosts where id like 'host_replay%' and status = 'online'`,
          ),
        );
        return Number(rowsOf(rows)[0]!.n);
      };
      await waitFor("every replayed presence applied", async () => (await online()) === 0, 60_000);
    } finally {
      await plane.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
