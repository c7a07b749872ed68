/** Two-person rule over HTTP: loosening changes to a policy of an approval-requiring environment wait for a second user. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { users } from "../../control-plane/src/db/schema";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();

describe.each(backends)("two-person rule on $name", (backend) => {
  let t: TestPlane;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    alice = t.adminKey;
    // A second user of the same tenant (there is no user-management API yet).
    const me = (await t.api.get("/api/users/me", alice)).body;
    const tenantId = me.tenantId ?? me.user?.tenantId;
    const bobId = `usr_bob_${crypto.randomUUID().slice(0, 8)}`;
    // Approving is for tenant admins (permission table): the second person is another admin.
    await t.plane.database.db.insert(users).values({ id: bobId, tenantId, name: "bob", role: "admin" });
    bob = (await t.plane.services.apiKeys.create({ tenantId, userId: bobId }, "bob")).key;
  });
  afterAll(() => t?.stop());

  const policyIn = async (requirePolicyApproval: boolean, rules: object) => {
    const policy = (
      await t.api.post("/api/v1/safety-policies", { name: `p-${crypto.randomUUID().slice(0, 8)}`, rules }, alice)
    ).body;
    const env = await t.api.post(
      "/api/v1/environments",
      { name: `e-${crypto.randomUUID().slice(0, 8)}`, config: { requirePolicyApproval }, safetyPolicyIds: [policy.id] },
      alice,
    );
    expect(env.status).toBe(201);
    return policy;
  };

  test("a loosening change is proposed, not applied; a different user approves it; all audited", async () => {
    const policy = await policyIn(true, { paramBounds: { speed: { max: 1 } }, exec: { allowedCommands: ["ls"] } });
    const proposed = await t.api.put(
      `/api/v1/safety-policies/${policy.id}`,
      { rules: { paramBounds: { speed: { max: 3 } }, exec: { allowedCommands: ["ls"] } } },
      alice,
    );
    expect(proposed.status).toBe(202);
    expect(proposed.body.status).toBe("pending_approval");
    expect(proposed.body.proposal.loosenings).toEqual(["paramBounds.speed.max raised or removed"]);
    // not applied
    const unchanged = (await t.api.get(`/api/v1/safety-policies/${policy.id}`, alice)).body;
    expect(unchanged.rules.paramBounds.speed.max).toBe(1);
    expect(unchanged.version).toBe(policy.version);

    const id = proposed.body.proposal.id;
    const self = await t.api.post(`/api/v1/safety-policies/proposals/${id}/approve`, {}, alice);
    expect(self.status).toBe(403);
    expect(self.body.error).toContain("different user");
    const approved = await t.api.post(`/api/v1/safety-policies/proposals/${id}/approve`, {}, bob);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");
    const applied = (await t.api.get(`/api/v1/safety-policies/${policy.id}`, alice)).body;
    expect(applied.rules.paramBounds.speed.max).toBe(3);
    expect(applied.version).toBe(policy.version + 1);
    expect((await t.api.post(`/api/v1/safety-policies/proposals/${id}/approve`, {}, bob)).status).toBe(409);

    const actions = (await t.api.get("/api/v1/audit?limit=50", alice)).body.items
      .filter((a: { detail: Record<string, string>; action: string }) => a.detail.proposalId === id)
      .map((a: { action: string }) => a.action);
    expect(actions.sort()).toEqual(["policy.approve", "policy.proposal"]);
  });

  test("tightening applies at once; disabling and deleting are loosenings", async () => {
    const policy = await policyIn(true, { maxConcurrent: 2 });
    const tightened = await t.api.put(`/api/v1/safety-policies/${policy.id}`, { rules: { maxConcurrent: 1 } }, alice);
    expect(tightened.status).toBe(200);
    expect(tightened.body.rules.maxConcurrent).toBe(1);
    expect(
      (await t.api.put(`/api/v1/safety-policies/${policy.id}`, { description: "renamed only" }, alice)).status,
    ).toBe(200);

    const disable = await t.api.put(`/api/v1/safety-policies/${policy.id}`, { enabled: false }, alice);
    expect(disable.status).toBe(202);
    expect(disable.body.proposal.loosenings).toEqual(["policy disabled"]);
    const del = await t.api.delete(`/api/v1/safety-policies/${policy.id}`, alice);
    expect(del.status).toBe(202);
    expect((await t.api.get(`/api/v1/safety-policies/${policy.id}`, alice)).status).toBe(200);
    // the proposer may withdraw (reject) their own proposal
    expect(
      (await t.api.post(`/api/v1/safety-policies/proposals/${del.body.proposal.id}/reject`, {}, alice)).status,
    ).toBe(200);
    const pending = (await t.api.get("/api/v1/safety-policies/proposals?status=pending", alice)).body.items.map(
      (p: { id: string }) => p.id,
    );
    expect(pending).toContain(disable.body.proposal.id);
    expect(pending).not.toContain(del.body.proposal.id);
  });

  test("a stale proposal (policy changed since) is refused; environments without the rule apply loosenings at once", async () => {
    const policy = await policyIn(true, { maxConcurrent: 1 });
    const proposal = (await t.api.put(`/api/v1/safety-policies/${policy.id}`, { rules: { maxConcurrent: 5 } }, alice))
      .body.proposal;
    expect(
      (
        await t.api.put(
          `/api/v1/safety-policies/${policy.id}`,
          { rules: { maxConcurrent: 1, deniedKinds: ["x"] } },
          alice,
        )
      ).status,
    ).toBe(200);
    const stale = await t.api.post(`/api/v1/safety-policies/proposals/${proposal.id}/approve`, {}, bob);
    expect(stale.status).toBe(409);
    expect(stale.body.error).toContain("propose again");

    const free = await policyIn(false, { maxConcurrent: 1 });
    expect((await t.api.put(`/api/v1/safety-policies/${free.id}`, { rules: { maxConcurrent: 5 } }, alice)).status).toBe(
      200,
    );
    expect((await t.api.post("/api/v1/safety-policies/proposals/prop_nope/approve", {}, bob)).status).toBe(404);
    expect(
      (await t.api.post("/api/v1/environments", { name: "bad", config: { requirePolicyApproval: "yes" } }, alice))
        .status,
    ).toBe(400);
  });
});
