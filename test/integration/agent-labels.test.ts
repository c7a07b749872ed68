/**
 * Agents report their own labels at enrollment (`--label k=v`, EDGE_LABELS): stored on the host and merged with the
 * labels an operator set, which win; a re-enrolment replaces what the agent reported before, never the operator's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { waitFor } from "../support/wait";
import { agentFor, policedEnvironment } from "../support/runtime";

const backends = await availableBackends();

describe.each(backends)("agent labels on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend);
  });
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  const exchange = (identity: { runtimeId: string; bootstrapToken: string }, labels?: unknown) =>
    t.api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
      runtimeVersion: "2026.01.01",
      labels,
    });

  test("a real agent's --label reaches its host at enrollment; an operator's label wins; fleets see it", async () => {
    const envId = await policedEnvironment(t, "labels", { allowedKinds: ["echo"] });
    const { host, agent } = await agentFor(t, envId, "labelled", {
      env: { EDGE_LABELS: "site=berlin,role=picker", EDGE_STATUS_INTERVAL_MS: "5000" },
    });
    // The operator labelled the host before the agent enrolled.
    await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
      token: t.adminKey,
      body: { labels: { site: "hq" } },
    });
    agent.start();
    await waitFor(
      "agent online",
      async () => (await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body.status === "online",
      60_000,
    );
    const view = (await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body;
    expect(view.labels).toEqual({ site: "hq", role: "picker" });
    expect(view.agentLabels).toEqual({ site: "berlin", role: "picker" });
    const fleet = (
      await t.api.post("/api/v1/fleets", { name: "pickers", selector: { matchLabels: { role: "picker" } } }, t.adminKey)
    ).body;
    const members = (await t.api.get(`/api/v1/fleets/${fleet.id}/hosts`, t.adminKey)).body.items;
    expect(members.map((h: { id: string }) => h.id)).toEqual([host.id]);
  }, 90_000);

  test("re-enrolment: the agent's earlier labels are replaced, the operator's kept; bad labels spend no token", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: "re-enrol", labels: { owner: "ops" } }, t.adminKey)).body;
    const identity = async () => (await t.api.post("/api/runtime/identities", { hostId: host.id }, t.adminKey)).body;
    const first = await identity();
    expect((await exchange(first, { zone: "a", tier: "1" })).status).toBe(200);
    let labels = (await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body.labels;
    expect(labels).toEqual({ owner: "ops", zone: "a", tier: "1" });
    // An operator overrides one agent label; the agent re-enrolls reporting zone=b and no tier.
    await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
      token: t.adminKey,
      body: { labels: { zone: "x" } },
    });
    const second = await identity();
    const bad = await exchange(second, { "bad key!": "v" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/invalid labels: bad key!/);
    expect((await exchange(second, { zone: 5 })).status).toBe(400);
    expect((await exchange(second, { zone: "b", owner: "agent" })).status).toBe(200); // the token was not spent
    labels = (await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body.labels;
    expect(labels).toEqual({ owner: "ops", zone: "x" });
  });
});
