import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { availableBackends, postgresReachable } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import type { RuntimeTokenResponse } from "@edge/proto/http/agent";
import { openSession, sendCommand, watch } from "../support/grpc-clients";
import { CommandStatus } from "@edge/proto/wire";

const backends = await availableBackends();

describe.each(backends)("gRPC sessions on $name", (backend) => {
  let t: TestPlane;
  let address: string;
  let hostId: string;
  let tokens: RuntimeTokenResponse;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    address = `127.0.0.1:${t.plane.transport.grpc.port}`;
    hostId = (await t.api.post("/api/v1/hosts", { name: "grpc-host" }, t.adminKey)).body.id;
    const identity = (await t.api.post("/api/runtime/identities", { hostId }, t.adminKey)).body;
    tokens = (
      await t.api.post("/api/runtime/bootstrap/exchange", {
        runtimeId: identity.runtimeId,
        bootstrapToken: identity.bootstrapToken,
      })
    ).body;
  });
  afterAll(() => t?.stop());

  test("bad or missing credentials are UNAUTHENTICATED; another tenant's host is NOT_FOUND", async () => {
    for (const token of [undefined, "rt_at_nope", t.adminKey]) {
      const s = openSession(address, token);
      s.call.write({ seq: 0, hello: { agentVersion: "x" } });
      expect((await s.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
      s.close();
    }
    const anonymous = watch(address, undefined, { hostId });
    expect((await anonymous.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
    const runtimeAsOperator = watch(address, tokens.accessToken, { hostId });
    expect((await runtimeAsOperator.failure()).code).toBe(grpc.status.UNAUTHENTICATED);

    const other = await createTenant(t, "grpc-other");
    const foreign = watch(address, other.key, { hostId });
    expect((await foreign.failure()).code).toBe(grpc.status.NOT_FOUND);
    const ghost = watch(address, other.key, { hostId: "host_0000000000000000" });
    expect((await ghost.failure()).code).toBe(grpc.status.NOT_FOUND);
    await expect(sendCommand(address, other.key, { hostId, kind: "echo", paramsJson: "{}" })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    await expect(sendCommand(address, t.adminKey, { hostId, kind: "echo", paramsJson: "{nope" })).rejects.toMatchObject(
      {
        code: grpc.status.INVALID_ARGUMENT,
      },
    );
    await expect(sendCommand(address, undefined, { hostId, kind: "echo" })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    for (const w of [anonymous, runtimeAsOperator, foreign, ghost]) w.close();
  });

  test("a watch opened with a user's access token ends when that session is revoked; other watches stay", async () => {
    const start = (await t.api.post("/api/auth/device/start", { clientName: "roz-cli" })).body;
    await t.api.post("/api/auth/device/approve", { userCode: start.userCode }, t.adminKey);
    const tokens = (await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode })).body;
    const mine = watch(address, tokens.accessToken, { hostId });
    const keyed = watch(address, t.adminKey, { hostId });
    await Promise.all([mine.ready, keyed.ready]);
    expect((await t.api.post("/api/auth/logout", { refreshToken: tokens.refreshToken })).status).toBe(200);
    expect((await mine.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
    await Bun.sleep(100);
    expect(keyed.error).toBeUndefined();
    mine.close();
    keyed.close();
  });

  test("malformed frames never crash the server", async () => {
    const noHello = openSession(address, tokens.accessToken);
    noHello.call.write({ seq: 3, update: { commandId: "x", status: 2 } });
    expect((await noHello.failure()).code).toBe(grpc.status.FAILED_PRECONDITION);
    noHello.close();

    // raw bytes that are no AgentFrame
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${tokens.accessToken}`);
    const raw = client.makeBidiStreamRequest(
      "/edge.v1.AgentSession/Connect",
      (b: Buffer) => b,
      (b: Buffer) => b,
      md,
    );
    const failed = new Promise<grpc.ServiceError>((resolve) => raw.on("error", resolve));
    raw.on("data", () => {});
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect((await failed).code).not.toBe(grpc.status.OK);
    client.close();
    // still serving
    expect((await t.api.get("/health")).status).toBe(200);
    const s = openSession(address, tokens.accessToken);
    s.call.write({ seq: 0, hello: { agentVersion: "1" } });
    expect((await s.next((f) => Boolean(f.welcome))).welcome!.hostId).toBe(hostId);
    s.close();
  });

  test("commands are pushed over the live session; acks are sequenced, resumable and never applied twice", async () => {
    const live = watch(address, t.adminKey, { hostId });
    await live.ready;
    const s = openSession(address, tokens.accessToken);
    s.call.write({ seq: 0, hello: { agentVersion: "1.0.0" } });
    const welcome = (await s.next((f) => Boolean(f.welcome))).welcome!;
    const base = welcome.lastAgentSeq;

    const sent = await sendCommand(address, t.adminKey, { hostId, kind: "echo", paramsJson: '{"a":1}' });
    expect(sent.deliveredLive).toBe(true);
    const pushed = (await s.next((f) => f.command?.id === sent.commandId)).command!;
    expect(JSON.parse(pushed.paramsJson)).toEqual({ a: 1 });

    s.call.write({ seq: 0, log: { commandId: sent.commandId, stream: "stdout", line: "working", atMs: Date.now() } });
    s.call.write({
      seq: base + 1,
      update: { commandId: sent.commandId, status: CommandStatus.COMMAND_STATUS_RUNNING, atMs: Date.now() },
    });
    expect((await s.next((f) => Boolean(f.ack))).ack!.seq).toBe(base + 1); // frames are handled in order: the log went first
    s.close(); // forced disconnect before the completion is acknowledged

    const resumed = openSession(address, tokens.accessToken);
    resumed.call.write({ seq: 0, hello: { agentVersion: "1.0.0" } });
    expect((await resumed.next((f) => Boolean(f.welcome))).welcome!.lastAgentSeq).toBe(base + 1);
    // a resend of an acknowledged frame is acknowledged and skipped
    resumed.call.write({
      seq: base + 1,
      update: { commandId: sent.commandId, status: CommandStatus.COMMAND_STATUS_RUNNING, atMs: Date.now() },
    });
    expect((await resumed.next((f) => Boolean(f.ack))).ack!.seq).toBe(base + 1);
    resumed.call.write({
      seq: base + 2,
      update: {
        commandId: sent.commandId,
        status: CommandStatus.COMMAND_STATUS_COMPLETED,
        resultJson: '{"ok":true}',
        atMs: Date.now(),
      },
    });
    expect((await resumed.next((f) => Boolean(f.ack))).ack!.seq).toBe(base + 2);

    const done = (await t.api.get(`/api/v1/commands/${sent.commandId}`, t.adminKey)).body;
    expect(done).toMatchObject({ status: "completed", result: { ok: true } });

    // the operator saw the transitions and the log line, live
    const deadline = Date.now() + 3000;
    while (live.events.filter((e) => e.command).length < 2 && Date.now() < deadline) await Bun.sleep(20);
    expect(live.events.filter((e) => e.command?.commandId === sent.commandId).map((e) => e.command?.status)).toEqual([
      "running",
      "completed",
    ]);
    expect(live.events.find((e) => e.log)?.log).toMatchObject({
      commandId: sent.commandId,
      line: "working",
      stream: "stdout",
    });
    resumed.close();
    live.close();
  });

  test("a task watch sees the task's transitions", async () => {
    const task = (await t.api.post("/api/v1/tasks", { prompt: "watch me" }, t.adminKey)).body;
    const w = watch(address, t.adminKey, { taskId: task.id });
    await w.ready;
    await t.api.post(`/api/v1/tasks/${task.id}/transition`, { status: "running" }, t.adminKey);
    await t.api.post(`/api/v1/tasks/${task.id}/transition`, { status: "completed" }, t.adminKey);
    const deadline = Date.now() + 3000;
    const statuses = () => w.events.map((e) => e.task?.status);
    while (!statuses().includes("completed") && Date.now() < deadline) await Bun.sleep(20);
    // The creation's notice (PostgreSQL NOTIFY) may still have been on its way when the watch started.
    const seen = statuses()[0] === "pending" ? statuses().slice(1) : statuses();
    expect(seen).toEqual(["running", "completed"]);
    w.close();
  });

  test("revoking the identity ends its session", async () => {
    const host2 = (await t.api.post("/api/v1/hosts", { name: "grpc-revoke" }, t.adminKey)).body.id;
    const identity = (await t.api.post("/api/runtime/identities", { hostId: host2 }, t.adminKey)).body;
    const tk = (
      await t.api.post("/api/runtime/bootstrap/exchange", {
        runtimeId: identity.runtimeId,
        bootstrapToken: identity.bootstrapToken,
      })
    ).body;
    const s = openSession(address, tk.accessToken);
    s.call.write({ seq: 0, hello: { agentVersion: "1" } });
    await s.next((f) => Boolean(f.welcome));
    await t.api.post(`/api/runtime/identities/${identity.runtimeId}/revoke`, {}, t.adminKey);
    expect((await s.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
    s.close();
  });
});

describe.skipIf(!(await postgresReachable()))("gRPC watch across two control planes on one PostgreSQL", () => {
  test("a watch on one replica sees transitions reported through another", async () => {
    const pg = backends.find((b) => b.name === "postgres")!;
    const a = await startTestPlane(pg);
    const b = await startTestPlane(pg, {}, { databaseUrl: a.databaseUrl, dataDir: "memory://", adminKey: a.adminKey });
    try {
      const hostId = (await a.api.post("/api/v1/hosts", { name: "two-replicas" }, a.adminKey)).body.id;
      const w = watch(`127.0.0.1:${b.plane.transport.grpc.port}`, a.adminKey, { hostId });
      await w.ready;
      const cmd = (await a.api.post("/api/v1/commands", { hostId, kind: "echo" }, a.adminKey)).body;
      await a.api.post(`/api/v1/commands/${cmd.id}/transition`, { status: "running" }, a.adminKey);
      await a.api.put(`/api/v1/hosts/${hostId}/status`, { status: "maintenance" }, a.adminKey);
      const deadline = Date.now() + 3000;
      while (w.events.length < 2 && Date.now() < deadline) await Bun.sleep(20);
      expect(w.events.find((e) => e.command)?.command).toMatchObject({ commandId: cmd.id, status: "running" });
      expect(w.events.find((e) => e.hostStatus)?.hostStatus).toMatchObject({ hostId, status: "maintenance" });
      w.close();
    } finally {
      await b.plane.stop();
      await a.stop();
    }
  });
});
