/**
 * Live updates (`GET /api/web/events`, Server-Sent Events): authenticated like the other web routes, tenant-scoped,
 * limited to what each user may read (tasks and their notices by project role), fed by the cluster's events (a change
 * made through another replica reaches the stream: PostgreSQL NOTIFY), bounded (streams per user, a client that does
 * not read is dropped), with heartbeats, and ended when the stream's session is revoked — on PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { SseClient } from "../support/sse";
import { waitFor } from "../support/wait";

const PASSWORD = "correct horse battery";
const backends = await availableBackends();

describe.each(backends)("live events on $name", (backend) => {
  let t: TestPlane;
  const suffix = crypto.randomUUID().slice(0, 6);
  let admin: string;
  let viewer: { id: string; token: string; refreshToken: string };
  let outsider: { id: string; token: string; refreshToken: string };
  let other: { tenantId: string; key: string };
  const open: SseClient[] = [];
  const stream = async (token?: string, query = "") => {
    const client = await SseClient.open(`${t.plane.url}/api/web/events${query}`, token);
    open.push(client);
    return client;
  };

  async function signIn(name: string, role: "admin" | "member") {
    const created = await t.api.post("/api/admin/developers", { name, password: PASSWORD, role }, admin);
    expect(created.status).toBe(201);
    const login = await t.api.post("/api/auth/login", { username: name, password: PASSWORD });
    expect(login.status).toBe(200);
    return { id: created.body.id as string, token: login.body.accessToken, refreshToken: login.body.refreshToken };
  }

  beforeAll(async () => {
    t = await startTestPlane(backend, {
      liveHeartbeatMs: 200,
      liveMaxConnectionsPerUser: 3,
      liveMaxBufferedBytes: 16 * 1024,
    });
    admin = t.adminKey;
    viewer = await signIn(`viewer-${suffix}`, "member");
    outsider = await signIn(`outsider-${suffix}`, "member");
    for (const key of ["alpha", "beta"]) {
      const res = await t.api.post(
        "/api/admin/projects",
        { key: `${key}${suffix}`, name: key, pipeline: [{ name: "ship", kind: "agent" }] },
        admin,
      );
      expect(res.status).toBe(201);
    }
    const member = await t.api.post(
      `/api/admin/projects/alpha${suffix}/members`,
      { developerId: viewer.id, role: "viewer" },
      admin,
    );
    expect(member.status).toBe(201);
    other = await createTenant(t, `live-other-${suffix}`);
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.stop();
  });

  test("bad requests: no credential 401, a task the caller may not see 404, a malformed id 400; all {error}", async () => {
    const none = await stream(undefined);
    expect(none.status).toBe(401);
    const task = await t.api.post("/api/web/tasks", { projectKey: `beta${suffix}`, description: "hidden" }, admin);
    const hidden = await stream(viewer.token, `?task=${task.body.id}`);
    expect(hidden.status).toBe(404);
    const otherHost = await stream(other.key, `?host=${(await hostOf(admin, "x")).id}`);
    expect(otherHost.status).toBe(404);
    for (const q of ["?task=../etc", `?host=${"h".repeat(101)}`, "?task="]) {
      const bad = await stream(viewer.token, q);
      expect(bad.status).toBe(400);
      expect(typeof (bad as { body?: { error?: string } }).body?.error).toBe("string");
    }
  });

  async function hostOf(key: string, name: string) {
    const res = await t.api.post("/api/v1/hosts", { name: `${name}-${crypto.randomUUID().slice(0, 6)}` }, key);
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  }

  test("machines: status and drain reach every user of the tenant, not another tenant; heartbeats flow", async () => {
    const [mine, theirs] = [await stream(outsider.token), await stream(other.key)];
    const host = await hostOf(admin, "robot");
    expect((await t.api.put(`/api/v1/hosts/${host.id}/status`, { status: "online" }, admin)).status).toBe(200);
    const online = await mine.next((e) => e.event === "machine" && e.data.hostId === host.id && "status" in e.data);
    expect(online.data).toMatchObject({ status: "online", previous: "offline" });
    expect((await t.api.post(`/api/web/machines/${host.id}/drain`, undefined, admin)).status).toBe(200);
    await mine.next((e) => e.event === "machine" && e.data.hostId === host.id && e.data.draining === true);
    // The machine notice follows, for every user.
    await mine.next((e) => e.event === "notification" && e.data.kind === "machine.online" && e.data.hostId === host.id);
    // The other tenant's stream: its own host's event arrives, never ours.
    const theirHost = await hostOf(other.key, "their");
    await t.api.put(`/api/v1/hosts/${theirHost.id}/status`, { status: "online" }, other.key);
    await theirs.next((e) => e.event === "machine" && e.data.hostId === theirHost.id);
    expect(theirs.events.some((e) => JSON.stringify(e.data).includes(host.id))).toBe(false);
    expect(mine.events.some((e) => JSON.stringify(e.data).includes(theirHost.id))).toBe(false);
    await waitFor("heartbeats", async () => (mine.comments >= 2 ? true : undefined));
  });

  test("tasks and their notices: the project's members and admins hear them, other users do not", async () => {
    const [asViewer, asOutsider, asAdmin] = [
      await stream(viewer.token),
      await stream(outsider.token),
      await stream(admin),
    ];
    const create = async (project: string) =>
      (await t.api.post("/api/web/tasks", { projectKey: `${project}${suffix}`, description: `${project} job` }, admin))
        .body.id as string;
    const alpha = await create("alpha");
    const beta = await create("beta");
    for (const [id, status] of [
      [beta, "running"],
      [beta, "failed"],
      [alpha, "running"],
      [alpha, "suspended"],
    ] as const)
      expect((await t.api.post(`/api/v1/tasks/${id}/transition`, { status }, admin)).status).toBe(200);
    await asViewer.next((e) => e.event === "task" && e.data.taskId === alpha && e.data.status === "suspended");
    await asViewer.next(
      (e) => e.event === "notification" && e.data.taskId === alpha && e.data.kind === "task.awaiting_confirmation",
    );
    await asAdmin.next((e) => e.event === "task" && e.data.taskId === beta && e.data.status === "failed");
    await asAdmin.next((e) => e.event === "notification" && e.data.taskId === alpha);
    // Events are delivered in order: once the viewer has alpha's last, beta's (earlier) would have arrived.
    expect(asViewer.events.some((e) => e.data.taskId === beta)).toBe(false);
    // The outsider: a marker it may see (a machine), after which no task event can still be on its way.
    const marker = await hostOf(admin, "marker");
    await t.api.put(`/api/v1/hosts/${marker.id}/status`, { status: "online" }, admin);
    await asOutsider.next((e) => e.event === "machine" && e.data.hostId === marker.id);
    expect(asOutsider.events.filter((e) => e.event === "task" || e.data.taskId)).toEqual([]);
  });

  test("a stream following a host hears its commands", async () => {
    const host = await hostOf(admin, "cmd");
    const following = await stream(outsider.token, `?host=${host.id}`);
    const elsewhere = await stream(outsider.token);
    const command = await t.api.post("/api/v1/commands", { hostId: host.id, kind: "echo" }, admin);
    expect(command.status).toBe(201);
    for (const status of ["running", "completed"])
      await t.api.post(`/api/v1/commands/${command.body.id}/transition`, { status }, admin);
    await following.next(
      (e) => e.event === "command" && e.data.commandId === command.body.id && e.data.status === "completed",
    );
    expect(elsewhere.events.some((e) => e.event === "command")).toBe(false);
    following.close();
    elsewhere.close();
  });

  test("bounded: at most N streams per user (429 {error}); a client that does not read is dropped", async () => {
    for (const c of open) c.close();
    await waitFor("streams closed", async () => (t.plane.services.live.size === 0 ? true : undefined));
    const three = [await stream(viewer.token), await stream(viewer.token), await stream(viewer.token)];
    const fourth = await stream(viewer.token);
    expect(fourth.status).toBe(429);
    expect((fourth as { body?: { error?: string } }).body?.error).toContain("too many live streams");
    three[0]!.close();
    await waitFor("a slot free again", async () => ((await stream(viewer.token)).status === 200 ? true : undefined));
    for (const c of open) c.close();
    await waitFor("streams closed", async () => (t.plane.services.live.size === 0 ? true : undefined));

    // A raw client that sends its request and never reads: the server drops it once 16 KiB (+ socket buffers) wait.
    const url = new URL(t.plane.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `GET /api/web/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${outsider.token}\r\n\r\n`,
    );
    socket.pause();
    await waitFor("the stream is open", async () => (t.plane.services.live.size === 1 ? true : undefined));
    const before = t.plane.services.live.droppedSlow;
    const big = "x".repeat(7000);
    const tenantId = (await t.api.get("/api/users/me", outsider.token)).body.tenantId as string;
    expect(typeof tenantId).toBe("string");
    for (let i = 0; i < 3000 && t.plane.services.live.droppedSlow === before; i++) {
      // Through the cluster's NOTIFY path, as any notice would travel.
      await t.plane.services.events.publishAndWait({
        type: "notification.created",
        tenantId,
        kind: "machine.online",
        title: big,
        body: "",
        taskId: null,
        hostId: null,
        projectId: null,
      });
    }
    await waitFor("the slow client dropped", async () =>
      t.plane.services.live.droppedSlow > before && t.plane.services.live.size === 0 ? true : undefined,
    );
    socket.destroy();
  }, 120_000);

  test("a stream ends (event bye) when its session is revoked", async () => {
    const s = await stream(viewer.token);
    expect(
      (await t.api.post("/api/auth/logout", { refreshToken: viewer.refreshToken }, viewer.token)).status,
    ).toBeLessThan(300);
    const bye = await s.next((e) => e.event === "bye");
    expect(bye.data.reason).toBe("credential revoked");
    await s.untilEnded();
  });

  test("a stream ends (event bye) when its access token expires", async () => {
    // Tokens of this sign-in live 3 s (the setting is read at use time).
    const saved = t.plane.config.accessTokenTtlSeconds;
    t.plane.config.accessTokenTtlSeconds = 3;
    const login = await t.api
      .post("/api/auth/login", { username: `outsider-${suffix}`, password: PASSWORD })
      .finally(() => {
        t.plane.config.accessTokenTtlSeconds = saved;
      });
    expect(login.status).toBe(200);
    const s = await stream(login.body.accessToken);
    expect(s.status).toBe(200);
    const bye = await s.next((e) => e.event === "bye", 15_000);
    expect(bye.data.reason).toBe("credential expired");
    await s.untilEnded();
  });

  if (backend.name === "postgres")
    test("another replica's changes reach this replica's streams (PostgreSQL NOTIFY)", async () => {
      const b = await startTestPlane(
        backend,
        { liveHeartbeatMs: 200 },
        { databaseUrl: t.databaseUrl, dataDir: "memory://", adminKey: t.adminKey },
      );
      try {
        const s = await SseClient.open(`${b.plane.url}/api/web/events`, outsider.token);
        open.push(s);
        const host = await hostOf(admin, "replica"); // through replica A
        await t.api.put(`/api/v1/hosts/${host.id}/status`, { status: "online" }, admin);
        await s.next((e) => e.event === "machine" && e.data.hostId === host.id && e.data.status === "online");
        await s.next((e) => e.event === "notification" && e.data.hostId === host.id);
        s.close();
      } finally {
        await b.plane.stop();
      }
    });
});
