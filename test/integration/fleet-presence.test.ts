/**
 * A fleet connecting at once (presence applied in batches, credential and identity lookups made together, retained
 * messages looked up by topic): every host is marked online and gets its policy set; Last Wills mark exactly their
 * hosts offline; a revoked identity is refused at its next CONNECT and its messages are ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { connectAll, disconnectAll, disconnectSimAgent, provisionHosts, type SimHost } from "../support/sim-fleet";
import { waitFor } from "../support/wait";
import { topicMatches } from "../../control-plane/src/transport/embedded-broker";
import { asSystem } from "../../control-plane/src/db/context";

const N = 120;
const backends = await availableBackends();

test("topic filters match as MQTT says", () => {
  expect(topicMatches("a/b/c", "a/b/c")).toBe(true);
  expect(topicMatches("a/+/c", "a/b/c")).toBe(true);
  expect(topicMatches("a/+/c", "a/b/d")).toBe(false);
  expect(topicMatches("a/#", "a/b/c")).toBe(true);
  expect(topicMatches("a/#", "a")).toBe(true);
  expect(topicMatches("+/+/+/presence", "t/h/x/presence")).toBe(true);
  expect(topicMatches("+/+/+/presence", "t/h/presence")).toBe(false);
  expect(topicMatches("a/b", "a/b/c")).toBe(false);
  expect(topicMatches("#", "$SYS/x")).toBe(false);
  expect(topicMatches("+/x", "$SYS/x")).toBe(false);
});

describe.each(backends)("a fleet connecting at once on $name (embedded broker)", (backend) => {
  let t: TestPlane;
  let fleet: SimHost[];

  beforeAll(async () => {
    t = await startTestPlane(backend);
    fleet = await provisionHosts(t.plane, t.adminKey, N, (i) => ({ group: String(i % 3) }));
  }, 120_000);
  afterAll(async () => {
    await disconnectAll(fleet);
    await t.stop();
  }, 60_000);

  const statusOf = async (hostId: string) => (await t.api.get(`/api/v1/hosts/${hostId}`, t.adminKey)).body.status;
  const online = async () => (await Promise.all(fleet.map((h) => statusOf(h.hostId)))).filter((s) => s === "online");

  test("all come online together, each gets its policy set, and Last Wills take exactly their hosts offline", async () => {
    await connectAll(t.api, t.plane.transport.mqttUrl, fleet, N);
    await waitFor("all online", async () => (await online()).length === N, 30_000);
    // The reconcile of each host (batched) sent its retained policy set; the agents acknowledge it.
    await waitFor("every policy set", () => fleet.every((h) => h.policies !== undefined), 30_000);

    const gone = fleet.slice(0, 10);
    await Promise.all(gone.map((h) => disconnectSimAgent(t.plane.transport.mqttUrl, h)));
    await waitFor(
      "the gone offline",
      async () => (await Promise.all(gone.map((h) => statusOf(h.hostId)))).every((s) => s === "offline"),
      30_000,
    );
    expect((await online()).length).toBe(N - gone.length);

    // Back again: online, and the retained policy set arrives again on (exact-topic) subscription.
    for (const h of gone) h.policies = undefined;
    await connectAll(t.api, t.plane.transport.mqttUrl, gone, gone.length);
    await waitFor("all online again", async () => (await online()).length === N, 30_000);
    await waitFor("their policy sets again", () => gone.every((h) => h.policies !== undefined), 30_000);
  }, 180_000);

  test("one presence statement answers for every host of its batch, with the status each had before", async () => {
    // Regression: the row lock and the update were sibling statements, and whichever the executor ran first decided
    // whether a host's row came back; a host missing from the answer was marked online but never reconciled (its
    // agent waited for a policy set that was never sent).
    const hosts = t.plane.services.hosts;
    for (const size of [2, 3, 7, 40]) {
      const batch = fleet.slice(50, 50 + size);
      const set = (online: boolean) =>
        asSystem("test", () =>
          hosts.setPresenceMany(
            batch.map((h) => ({ tenantId: h.tenantId, hostId: h.hostId, online, agentVersion: "t" })),
          ),
        );
      const off = await set(false);
      expect(off.map((r) => r.hostId)).toEqual(batch.map((h) => h.hostId));
      const on = await set(true);
      expect(on.map((r) => r.hostId)).toEqual(batch.map((h) => h.hostId));
      expect(on.every((r) => r.status === "online")).toBe(true);
    }
  }, 60_000);

  test("a revoked identity is refused at its next CONNECT, even among many connecting at once", async () => {
    const victim = fleet[20]!;
    const res = await t.api.post(`/api/runtime/identities/${victim.runtimeId}/revoke`, {}, t.adminKey);
    expect(res.status).toBe(200);
    await waitFor("the revoked host offline", async () => (await statusOf(victim.hostId)) === "offline", 15_000);
    const others = fleet.slice(21, 41);
    await disconnectAll(others);
    const attempts = [victim, ...others].map((h) =>
      mqtt
        .connectAsync(t.plane.transport.mqttUrl, {
          clientId: h.runtimeId,
          username: h.runtimeId,
          password: h.accessToken,
          clean: true,
          reconnectPeriod: 0,
        })
        .then(
          async (client) => {
            await client.endAsync(true);
            return "connected";
          },
          () => "refused",
        ),
    );
    const outcome = await Promise.all(attempts);
    expect(outcome[0]).toBe("refused");
    expect(outcome.slice(1).every((o) => o === "connected")).toBe(true);
  }, 60_000);
});
