/**
 * End-to-end delivery, control plane side, with a raw MQTT client (and a raw gRPC session) as the agent:
 * numbered messages are applied once and receipted, the sequence is shared by both transports, reports may
 * arrive out of order, and running commands are reconciled when the agent comes back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { openSession } from "../support/grpc-clients";
import { hostWithRuntime } from "../support/runtime";
import { waitFor } from "../support/wait";
import {
  CommandStatus,
  PresenceState,
  codecs,
  topic,
  withAgentSeq,
  type Command,
  type Receipt,
} from "@edge/proto/wire";

const backends = await availableBackends();

describe.each(backends)("agent message delivery on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, { commandRedeliverySeconds: 1 });
  });
  afterAll(() => t?.stop());

  /** A host with a live identity and a raw MQTT client logged in as its agent, collecting receipts and commands. */
  async function rawAgent(name: string) {
    const h = await hostWithRuntime(t, name);
    const tenantId = h.tenantId;
    const client = await mqtt.connectAsync(t.plane.transport.mqttUrl, {
      clientId: h.runtimeId,
      username: h.runtimeId,
      password: h.token,
      reconnectPeriod: 0,
    });
    const receipts: Receipt[] = [];
    /** The QoS each receipt came with: 0 (a lost one costs a resend, never a broker-kept delivery). */
    const receiptQos: number[] = [];
    const commands: Command[] = [];
    client.on("message", (name, payload, packet) => {
      if (name.endsWith("/receipt")) {
        receipts.push(codecs.receipt.decode(payload));
        receiptQos.push(packet.qos);
      }
      if (name.endsWith("/cmd")) commands.push(codecs.command.decode(payload));
    });
    await client.subscribeAsync([topic(tenantId, h.hostId, "receipt"), topic(tenantId, h.hostId, "cmd")], { qos: 1 });
    const send = (channel: "ack" | "status" | "telemetry", payload: Uint8Array, seq: number, floor = 0) =>
      client.publishAsync(topic(tenantId, h.hostId, channel), Buffer.from(withAgentSeq(payload, seq, floor)), {
        qos: 1,
      });
    const receipted = (seq: number) =>
      waitFor(`receipt of ${seq}`, async () => receipts.some((r) => r.throughSeq >= seq || r.seqs.includes(seq)));
    const online = () =>
      client.publishAsync(
        topic(tenantId, h.hostId, "presence"),
        Buffer.from(
          codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_ONLINE, agentVersion: "1", atMs: Date.now() }),
        ),
        { qos: 1, retain: true },
      );
    return { ...h, client, receipts, receiptQos, commands, send, receipted, online };
  }

  const status = (load1: number) =>
    codecs.status.encode({
      agentVersion: "1",
      uptimeSeconds: 1,
      load1,
      memoryTotalBytes: 1,
      memoryFreeBytes: 1,
      runningCommands: 0,
      atMs: Date.now(),
    });
  const lastStatus = async (hostId: string) => (await t.api.get(`/api/v1/hosts/${hostId}`, t.adminKey)).body.lastStatus;

  test("a numbered message is applied once and receipted; a resend is receipted, not re-applied", async () => {
    const agent = await rawAgent("numbered");
    try {
      await agent.send("status", status(1), 100, 99);
      await agent.receipted(100);
      expect((await lastStatus(agent.hostId)).load1).toBe(1);
      expect((await lastStatus(agent.hostId)).agentSeq).toBeUndefined(); // delivery fields are not part of the report

      await agent.send("status", status(2), 100, 99); // the same seq again (a resend)
      await waitFor("second receipt", async () => agent.receipts.length >= 2);
      expect((await lastStatus(agent.hostId)).load1).toBe(1);

      // Out of order: 102 before 101; both applied, and the floor moves on with the agent's word.
      await agent.send("status", status(3), 102, 100);
      await agent.receipted(102);
      expect(agent.receipts.at(-1)).toEqual({ throughSeq: 100, seqs: [102] });
      await agent.send("status", status(4), 101, 100);
      await agent.receipted(101);
      expect((await lastStatus(agent.hostId)).load1).toBe(4);
      await agent.send("status", status(5), 103, 102);
      await agent.receipted(103);
      expect(agent.receipts.at(-1)).toEqual({ throughSeq: 103, seqs: [] }); // 101..103 contiguous: the floor moves over them
      expect(new Set(agent.receiptQos)).toEqual(new Set([0]));
    } finally {
      await agent.client.endAsync(true);
    }
  });

  test("one sequence for both transports: the gRPC welcome counts what MQTT delivered, and no frame is applied twice", async () => {
    const agent = await rawAgent("shared");
    try {
      await agent.send("status", status(7), 500, 499);
      await agent.receipted(500);
      const session = openSession(`127.0.0.1:${t.plane.transport.grpc.port}`, agent.token);
      try {
        session.call.write({ seq: 0, hello: { agentVersion: "1" } });
        const welcome = await session.next((f) => Boolean(f.welcome));
        expect(welcome.welcome!.lastAgentSeq).toBe(500);
        // seq 500 again over gRPC (e.g. resent after switching transport): acknowledged, not re-applied.
        session.call.write({ seq: 500, seqFloor: 499, status: { ...codecs.status.decode(status(8)) } });
        expect((await session.next((f) => Boolean(f.ack))).ack!.seq).toBe(500);
        expect((await lastStatus(agent.hostId)).load1).toBe(7);
        session.call.write({ seq: 501, seqFloor: 500, status: { ...codecs.status.decode(status(9)) } });
        expect((await session.next((f) => Boolean(f.ack))).ack!.seq).toBe(501);
        expect((await lastStatus(agent.hostId)).load1).toBe(9);
      } finally {
        session.close();
      }
      // And back on MQTT, 501 is known too.
      await agent.send("status", status(10), 501, 500);
      await waitFor("receipt", async () => agent.receipts.some((r) => r.throughSeq >= 501 || r.seqs.includes(501)));
      expect((await lastStatus(agent.hostId)).load1).toBe(9);
    } finally {
      await agent.client.endAsync(true);
    }
  });

  test("a completion processed before its RUNNING report completes the command; the late RUNNING is stale", async () => {
    const agent = await rawAgent("reorder");
    try {
      const created = await t.api.post("/api/v1/commands", { hostId: agent.hostId, kind: "echo" }, t.adminKey);
      const update = (status: CommandStatus) =>
        codecs.commandUpdate.encode({
          commandId: created.body.id,
          status,
          error: "",
          resultJson: '{"ok":true}',
          atMs: Date.now(),
        });
      await agent.send("ack", update(CommandStatus.COMMAND_STATUS_COMPLETED), 11, 9);
      await agent.receipted(11);
      await agent.send("ack", update(CommandStatus.COMMAND_STATUS_RUNNING), 10, 9);
      await agent.receipted(10);
      const command = (await t.api.get(`/api/v1/commands/${created.body.id}`, t.adminKey)).body;
      expect(command).toMatchObject({ status: "completed", result: { ok: true } });
      expect(command.startedAt).not.toBeNull();
    } finally {
      await agent.client.endAsync(true);
    }
  });

  test("a RUNNING and its COMPLETED queued together apply as one statement: both events, both seqs, above a gap", async () => {
    const agent = await rawAgent("fold");
    try {
      await agent.send("status", status(1), 20, 19);
      await agent.receipted(20);
      const created = await t.api.post("/api/v1/commands", { hostId: agent.hostId, kind: "echo" }, t.adminKey);
      const commandId = created.body.id as string;
      const seen: string[] = [];
      const stopEvents = t.plane.services.events.subscribe((e) => {
        if (e.type === "command.transition" && e.commandId === commandId) seen.push(e.status);
      });
      const statements: string[] = [];
      const stopCounting = t.plane.database.onStatement((sql) => statements.push(sql));
      const update = (status: CommandStatus, seq: number) => ({
        commandId,
        status,
        error: "",
        resultJson: '{"ok":1}',
        atMs: 1,
        agentSeq: seq,
        agentSeqFloor: 20,
      });
      try {
        // Seqs 22 and 23 with 21 not yet processed (a gap): handed to the batcher in one turn, as the bridge does.
        const ref = { tenantId: agent.tenantId, hostId: agent.hostId, runtimeId: agent.runtimeId };
        const { inbox } = t.plane.services.agents;
        const floors = await Promise.all([
          inbox.numberedCommandUpdate(ref, 22, 20, update(CommandStatus.COMMAND_STATUS_RUNNING, 22)),
          inbox.numberedCommandUpdate(ref, 23, 20, update(CommandStatus.COMMAND_STATUS_COMPLETED, 23)),
        ]);
        expect(floors).toEqual([20, 20]); // 21 is missing: the floor stays, 22 and 23 are recorded above it
      } finally {
        stopCounting();
        stopEvents();
      }
      expect(statements.filter((s) => s.includes("json_to_recordset")).length).toBe(1);
      expect(seen).toEqual(["running", "completed"]);
      const command = (await t.api.get(`/api/v1/commands/${commandId}`, t.adminKey)).body;
      expect(command).toMatchObject({ status: "completed", result: { ok: 1 } });
      expect(command.startedAt).not.toBeNull();
      // 22 and 23 are processed (a resend is receipted above the floor, not applied again); 21 arriving moves the
      // floor over both.
      await agent.send("ack", codecs.commandUpdate.encode(update(CommandStatus.COMMAND_STATUS_RUNNING, 22)), 22, 20);
      await agent.receipted(22);
      expect(agent.receipts.at(-1)).toEqual({ throughSeq: 20, seqs: [22] });
      await agent.send("status", status(2), 21, 20);
      await waitFor("the floor over 23", async () => agent.receipts.some((r) => r.throughSeq === 23));
      expect((await t.api.get(`/api/v1/commands/${commandId}`, t.adminKey)).body.status).toBe("completed");
    } finally {
      await agent.client.endAsync(true);
    }
  });

  test("a command left pending (its delivery lost, e.g. its replica died before publishing) is sent again", async () => {
    const agent = await rawAgent("redeliver");
    try {
      await agent.online();
      await waitFor(
        "host online",
        async () => (await t.api.get(`/api/v1/hosts/${agent.hostId}`, t.adminKey)).body.status === "online",
      );
      const created = (await t.api.post("/api/v1/commands", { hostId: agent.hostId, kind: "echo" }, t.adminKey)).body;
      // The agent never reports on it: it keeps coming, until it leaves `pending`.
      await waitFor(
        "the command re-sent",
        async () => agent.commands.filter((c) => c.id === created.id).length >= 2,
        8000,
      );
    } finally {
      await agent.client.endAsync(true);
    }
  });

  test("after a gap, pending commands are re-sent and running ones are asked for their outcome (never to be started)", async () => {
    const agent = await rawAgent("reconcile");
    try {
      const running = (await t.api.post("/api/v1/commands", { hostId: agent.hostId, kind: "echo" }, t.adminKey)).body;
      expect(
        (await t.api.post(`/api/v1/commands/${running.id}/transition`, { status: "running" }, t.adminKey)).status,
      ).toBe(200);
      const pending = (await t.api.post("/api/v1/commands", { hostId: agent.hostId, kind: "echo" }, t.adminKey)).body;
      await agent.online(); // the agent (re)connects
      await waitFor("both commands re-sent", async () =>
        [running.id, pending.id].every((id) => agent.commands.some((c) => c.id === id)),
      );
      expect(agent.commands.find((c) => c.id === running.id)!.alreadyStarted).toBe(true);
      expect(agent.commands.find((c) => c.id === pending.id)!.alreadyStarted).toBe(false);
    } finally {
      await agent.client.endAsync(true);
    }
  });
});
