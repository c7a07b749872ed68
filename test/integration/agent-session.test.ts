/** A real agent process holding a gRPC session: live push, policy enforcement, operator watch, resume. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents, type AgentProcess } from "../support/agent-process";
import { sendCommand, watch } from "../support/grpc-clients";
import { waitFor } from "../support/wait";
import { agentFor, commandFinished, hostOnline, policedEnvironment } from "../support/runtime";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

const backends = await availableBackends();

describe.each(backends)("agent gRPC session on $name", (backend) => {
  let t: TestPlane;
  let address: string;
  let proxy: TcpProxy;
  let hostId: string;
  let agent: AgentProcess;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    address = `127.0.0.1:${t.plane.transport.grpc.port}`;
    proxy = await startTcpProxy("127.0.0.1", t.plane.transport.grpc.port);
    const envId = await policedEnvironment(t, "session", {
      exec: { allowedCommands: ["sh"] },
      paramBounds: { speed: { max: 1 } },
    });
    const provisioned = await agentFor(t, envId, "session-host", { env: { EDGE_GRPC_URL: `127.0.0.1:${proxy.port}` } });
    hostId = provisioned.host.id;
    agent = provisioned.agent.start();
    await hostOnline(t, hostId);
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    await stopAllAgents();
    await proxy?.close();
    await t?.stop();
  });

  const finished = (id: string, timeoutMs?: number) => commandFinished(t, id, timeoutMs);
  const send = (kind: string, params: object) =>
    sendCommand(address, t.adminKey, { hostId, kind, paramsJson: JSON.stringify(params) });
  /** Sends harmless commands until one goes out over the live session. */
  const untilLive = () =>
    waitFor("a live session", async () => {
      const res = await send("sleep", { ms: 1 });
      await finished(res.commandId);
      return res.deliveredLive || undefined;
    });

  test("commands pushed over the session run on the agent, with policy enforcement, watched live", async () => {
    await untilLive();
    const live = watch(address, t.adminKey, { hostId });
    await live.ready;

    const ok = await send("exec", { command: "sh", args: ["-c", "echo one; echo two >&2"] });
    expect(ok.deliveredLive).toBe(true);
    const done = await finished(ok.commandId);
    expect(done).toMatchObject({ status: "completed", result: { exitCode: 0, stdout: "one\n", stderr: "two\n" } });

    const refused = await send("sleep", { ms: 1, speed: 5 });
    expect((await finished(refused.commandId)).error).toMatch(/refused by safety policy.*speed/);

    await waitFor("watch events", async () => live.events.filter((e) => e.command).length >= 3 || undefined, 5000);
    const mine = live.events.filter((e) => e.command?.commandId === ok.commandId).map((e) => e.command?.status);
    expect(mine).toEqual(["running", "completed"]);
    const logs = live.events.filter((e) => e.log?.commandId === ok.commandId).map((e) => [e.log?.stream, e.log?.line]);
    expect(logs).toEqual(
      expect.arrayContaining([
        ["stdout", "one"],
        ["stderr", "two"],
      ]),
    );
    expect(live.events.find((e) => e.command?.commandId === refused.commandId)?.command?.status).toBe("failed");
    live.close();
  });

  test("a cancel pushed over the session kills the running command", async () => {
    await untilLive();
    const started = join(agent.stateDir, "cancel-started");
    const done = join(agent.stateDir, "cancel-done");
    const res = await send("exec", { command: "sh", args: ["-c", `echo > '${started}'; sleep 2; echo > '${done}'`] });
    await waitFor("the command to start", async () => existsSync(started));
    expect(
      (await t.api.post(`/api/v1/commands/${res.commandId}/transition`, { status: "cancelled" }, t.adminKey)).status,
    ).toBe(200);
    const next = await send("exec", { command: "sh", args: ["-c", "true"] });
    expect((await finished(next.commandId)).status).toBe("completed");
    await Bun.sleep(2500);
    expect(existsSync(done)).toBe(false);
  });

  test("the session resumes after a forced disconnect; nothing is lost or run twice", async () => {
    await untilLive();
    const counter = join(agent.stateDir, "session-runs.log");
    const run = () => send("exec", { command: "sh", args: ["-c", `echo run >> '${counter}'; sleep 0.2`] });
    const first = await run();
    proxy.cut(); // mid-command: its completion must still arrive
    const during = [await run(), await run()];
    await Bun.sleep(500);
    proxy.restore();
    for (const res of [first, ...during]) expect((await finished(res.commandId, 15_000)).status).toBe("completed");
    await untilLive(); // the session is back
    expect(existsSync(counter)).toBe(true);
    expect(readFileSync(counter, "utf8").trim().split("\n")).toHaveLength(3);
  });
});
