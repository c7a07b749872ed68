/**
 * An app manifest version rolled out to real agent processes: the control plane stores versioned manifests, each
 * batch's hosts get an `app.deploy` command (their safety policy decides on it and on every app start), the agent
 * writes the manifest into the app's workspace and (re)starts its apps; a host is done only when the agent reports
 * every app healthy at that version. Then v2 in batches with approval, aborted with rollback: the updated host runs
 * v1 again, the others were never touched.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { waitFor } from "../support/wait";
import { agentFor, policedEnvironment } from "../support/runtime";

const backends = await availableBackends();
const AGENTS = 3;
const BUN = process.execPath;

/** One app answering its version on its assigned port; healthy once it serves. */
const manifestOf = (v: string) => `version: 1
apps:
  web:
    start: >-
      ${BUN} -e 'Bun.serve({hostname: "127.0.0.1", port: Number(process.env.PORT_HTTP), fetch: () => new Response(process.env.V)})'
    env: { V: "${v}" }
    ports:
      http: {}
    health:
      http: { port: http, path: / }
      intervalMs: 100
      startTimeoutMs: 30000
    stopTimeoutMs: 2000
`;

describe.each(backends)("app rollout to real agents on $name", (backend) => {
  let t: TestPlane;
  const hostIds: string[] = [];
  const agents: { waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<unknown> }[] = [];

  beforeAll(async () => {
    t = await startTestPlane(backend, { rolloutTickMs: 200 });
    const envId = await policedEnvironment(t, "apps", { allowedKinds: ["app.deploy", "app.start"] });
    for (let i = 0; i < AGENTS; i++) {
      const { host, agent } = await agentFor(t, envId, `app-robot-${i}`, { env: { EDGE_STATUS_INTERVAL_MS: "5000" } });
      await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
        token: t.adminKey,
        body: { labels: { fleet: "apps" } },
      });
      agent.start();
      hostIds.push(host.id);
      agents.push(agent);
    }
    for (const id of hostIds)
      await waitFor(
        `agent of ${id} online`,
        async () => (await t.api.get(`/api/v1/hosts/${id}`, t.adminKey)).body.status === "online",
        60_000,
      );
    // A rollout starts on machines enforcing their policy set (without one an agent refuses everything, as it must).
    for (const agent of agents) await agent.waitForOutput(/safety policy set received/, 60_000);
  }, 180_000);
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  }, 60_000);

  /** What the host's app answers (through the runtime API forwarded by the control plane, then its port). */
  async function served(hostId: string): Promise<string> {
    const ports = await t.api.get(`/api/v1/hosts/${hostId}/runtime/api/v1/apps/ports`, t.adminKey);
    expect(ports.status).toBe(200);
    const web = (ports.body.items as { app: string; ports: { http: number } }[]).find((p) => p.app === "web")!;
    return (await fetch(`http://127.0.0.1:${web.ports.http}/`)).text();
  }

  const rolloutDone = (
    id: string,
    what: (r: { status: string; awaitingApproval: boolean; hosts: Record<string, number> }) => boolean,
  ) =>
    waitFor(
      `rollout ${id}`,
      async () => {
        const r = (await t.api.get(`/api/v1/rollouts/${id}`, t.adminKey)).body;
        if (r.status === "paused" || r.status === "failed") {
          const hs = (await t.api.get(`/api/v1/rollouts/${id}/hosts?limit=100`, t.adminKey)).body.items;
          throw new Error(`rollout ${r.status}: ${r.reason} ${JSON.stringify(hs)}`);
        }
        return what(r) ? r : undefined;
      },
      180_000,
    );

  test("v1 to every host; v2 aborted with rollback brings the updated host back to v1", async () => {
    const v1 = await t.api.post("/api/v1/app-manifests", { app: "greeter", manifest: manifestOf("v1") }, t.adminKey);
    const v2 = await t.api.post("/api/v1/app-manifests", { app: "greeter", manifest: manifestOf("v2") }, t.adminKey);
    expect([v1.status, v2.status]).toEqual([201, 201]);
    const fleet = (
      await t.api.post("/api/v1/fleets", { name: "apps", selector: { matchLabels: { fleet: "apps" } } }, t.adminKey)
    ).body;

    const first = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "greeter v1",
        fleetId: fleet.id,
        target: { kind: "app", app: "greeter", version: 1 },
        strategy: { batches: { sizes: [1, "100%"] }, maxUnavailable: 2, hostTimeoutSeconds: 120 },
      },
      t.adminKey,
    );
    expect(first.status).toBe(201);
    const done = await rolloutDone(first.body.id, (r) => r.status === "completed");
    expect(done.hosts).toMatchObject({ total: AGENTS, succeeded: AGENTS, failed: 0 });
    // Done = the agent's report: every app healthy at version 1; and the app does answer v1.
    for (const h of (await t.api.get(`/api/v1/rollouts/${first.body.id}/hosts?limit=100`, t.adminKey)).body.items) {
      const c = (await t.api.get(`/api/v1/commands/${h.commandId}`, t.adminKey)).body;
      expect(c.kind).toBe("app.deploy");
      expect(c.result).toMatchObject({ app: "greeter", version: 1, previousVersion: null });
      expect(c.result.apps.every((a: { phase: string }) => a.phase === "healthy")).toBe(true);
    }
    for (const id of hostIds) expect(await served(id)).toBe("v1");

    // v2, one host first, then approval: aborted with rollback instead.
    const second = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "greeter v2",
        fleetId: fleet.id,
        target: { kind: "app", app: "greeter", version: 2 },
        strategy: { batches: { sizes: [1] }, requireApproval: true, hostTimeoutSeconds: 120 },
      },
      t.adminKey,
    );
    expect(second.status).toBe(201);
    await rolloutDone(second.body.id, (r) => r.awaitingApproval && r.hosts.succeeded === 1);
    const updated = (
      await t.api.get(`/api/v1/rollouts/${second.body.id}/hosts?status=succeeded`, t.adminKey)
    ).body.items.map((h: { hostId: string }) => h.hostId) as string[];
    expect(updated).toHaveLength(1);
    expect(await served(updated[0]!)).toBe("v2");

    expect((await t.api.post(`/api/v1/rollouts/${second.body.id}/abort`, { rollback: true }, t.adminKey)).status).toBe(
      200,
    );
    await waitFor(
      "the updated host rolled back",
      async () => {
        const hs = (await t.api.get(`/api/v1/rollouts/${second.body.id}/hosts?limit=100`, t.adminKey)).body.items as {
          hostId: string;
          rollback: string | null;
        }[];
        const h = hs.find((x) => x.hostId === updated[0]);
        if (h?.rollback === "failed") throw new Error(`rollback failed: ${JSON.stringify(hs)}`);
        return h?.rollback === "done";
      },
      120_000,
    );
    for (const id of hostIds) expect(await served(id)).toBe("v1");
    const types = (await t.api.get(`/api/v1/rollouts/${second.body.id}/events?limit=1000`, t.adminKey)).body.items.map(
      (e: { type: string }) => e.type,
    );
    expect(types).toContain("host_rolled_back");
  }, 420_000);

  test("the agent's safety policy decides: a machine whose policy denies app.deploy fails the host", async () => {
    const denyEnv = await policedEnvironment(t, "no-apps", { deniedKinds: ["app.deploy"] });
    const { host, agent } = await agentFor(t, denyEnv, "app-denied", { env: { EDGE_STATUS_INTERVAL_MS: "5000" } });
    await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
      token: t.adminKey,
      body: { labels: { fleet: "denied" } },
    });
    agent.start();
    await waitFor(
      "denied agent online",
      async () => (await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body.status === "online",
      60_000,
    );
    const fleet = (
      await t.api.post("/api/v1/fleets", { name: "denied", selector: { matchLabels: { fleet: "denied" } } }, t.adminKey)
    ).body;
    const created = await t.api.post(
      "/api/v1/rollouts",
      { name: "denied", fleetId: fleet.id, target: { kind: "app", app: "greeter", version: 1 } },
      t.adminKey,
    );
    const paused = await waitFor(
      "paused at the failure threshold",
      async () => {
        const r = (await t.api.get(`/api/v1/rollouts/${created.body.id}`, t.adminKey)).body;
        return r.status === "paused" ? r : undefined;
      },
      120_000,
    );
    expect(paused.hosts).toMatchObject({ failed: 1, succeeded: 0 });
    const h = (await t.api.get(`/api/v1/rollouts/${created.body.id}/hosts`, t.adminKey)).body.items[0];
    expect(h.error).toMatch(/denied/);
  }, 240_000);
});
