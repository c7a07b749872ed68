/**
 * The web surfaces operators' tools use (worker-orchestrator-rest-api.txt): notifications made from real domain
 * events, per user and tenant; the dashboard; global search within the caller's permissions; Prometheus metrics; and
 * the web console's static files — on PGlite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { waitFor } from "../support/wait";

/** A notification as GET /api/web/notifications lists it (the fields these tests read). */
type Notice = { id: string; kind: string; body: string; taskId?: string | null; hostId?: string | null };

const backends = await availableBackends();
const PASSWORD = "correct horse battery";

describe.each(backends)("operator surfaces on $name", (backend) => {
  let t: TestPlane;
  let admin: string;
  /** A member with the viewer role on project `alpha` only. */
  let viewer: string;
  /** A member without any project role. */
  let outsider: string;
  let otherTenantKey: string;
  const suffix = crypto.randomUUID().slice(0, 6);

  async function signIn(name: string, role: "admin" | "member") {
    const created = await t.api.post("/api/admin/developers", { name, password: PASSWORD, role }, t.adminKey);
    expect(created.status).toBe(201);
    const login = await t.api.post("/api/auth/login", { username: name, password: PASSWORD });
    expect(login.status).toBe(200);
    return { id: created.body.id as string, token: login.body.accessToken as string };
  }

  beforeAll(async () => {
    t = await startTestPlane(backend);
    admin = t.adminKey;
    const v = await signIn(`viewer-${suffix}`, "member");
    viewer = v.token;
    outsider = (await signIn(`outsider-${suffix}`, "member")).token;
    for (const key of ["alpha", "beta"]) {
      const res = await t.api.post(
        "/api/admin/projects",
        { key: `${key}${suffix}`, name: `Project ${key}`, pipeline: [{ name: "ship", kind: "agent" }] },
        admin,
      );
      expect(res.status).toBe(201);
    }
    expect(
      (await t.api.post(`/api/admin/projects/alpha${suffix}/members`, { developerId: v.id, role: "viewer" }, admin))
        .status,
    ).toBe(201);
    const tenant = await t.api.post("/api/v1/tenants", { name: `other-${suffix}` }, admin);
    expect(tenant.status).toBe(201);
    otherTenantKey = tenant.body.apiKey.key;
    expect(typeof otherTenantKey).toBe("string");
  });
  afterAll(() => t?.stop());

  const notificationsOf = async (token: string, query = "") =>
    (await t.api.get(`/api/web/notifications${query}`, token)).body;
  const createTask = async (project: string, description: string) => {
    const res = await t.api.post("/api/web/tasks", { projectKey: `${project}${suffix}`, description }, admin);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const transition = async (id: string, status: string, error?: string) =>
    expect(
      (await t.api.post(`/api/v1/tasks/${id}/transition`, { status, ...(error ? { error } : {}) }, admin)).status,
    ).toBe(200);

  test("task events notify the project's members and the admins, not other users", async () => {
    const alphaTask = await createTask("alpha", `deploy alpha ${suffix}`);
    const betaTask = await createTask("beta", `deploy beta ${suffix}`);
    await transition(alphaTask, "running");
    await transition(alphaTask, "suspended");
    await transition(betaTask, "running");
    await transition(betaTask, "failed", "boom");

    const forViewer = await waitFor("the viewer's notification", async () => {
      const body = await notificationsOf(viewer);
      return body.items.some((n: Notice) => n.taskId === alphaTask) ? body : undefined;
    });
    const alpha = forViewer.items.find((n: Notice) => n.taskId === alphaTask);
    expect(alpha).toMatchObject({ kind: "task.awaiting_confirmation", read: false, readAt: null });
    expect(alpha.title).toContain(`deploy alpha ${suffix}`);
    // Not a member of beta: never told about its tasks.
    expect(forViewer.items.some((n: Notice) => n.taskId === betaTask)).toBe(false);

    const forAdmin = await waitFor("the admin's notifications", async () => {
      const body = await notificationsOf(admin);
      const kinds = body.items.map((n: Notice) => `${n.taskId}:${n.kind}`);
      return kinds.includes(`${betaTask}:task.failed`) && kinds.includes(`${alphaTask}:task.awaiting_confirmation`)
        ? body
        : undefined;
    });
    expect(forAdmin.items.find((n: Notice) => n.taskId === betaTask).body).toBe("boom");
    expect((await notificationsOf(outsider)).items.filter((n: Notice) => n.taskId)).toEqual([]);
    // Another tenant sees none of this.
    expect((await notificationsOf(otherTenantKey)).items).toEqual([]);
  });

  test("machines going online and offline notify every user of the tenant", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: `robot-${suffix}` }, admin)).body;
    expect((await t.api.put(`/api/v1/hosts/${host.id}/status`, { status: "online" }, admin)).status).toBe(200);
    expect((await t.api.put(`/api/v1/hosts/${host.id}/status`, { status: "offline" }, admin)).status).toBe(200);
    const kinds = await waitFor("the outsider's machine notifications", async () => {
      const found = (await notificationsOf(outsider)).items
        .filter((n: Notice) => n.hostId === host.id)
        .map((n: Notice) => n.kind);
      return found.length === 2 ? found : undefined;
    });
    expect(kinds).toEqual(["machine.offline", "machine.online"]); // newest first
  });

  test("read, read-all, unread filter, cursor pages; someone else's notification is 404", async () => {
    const before = await notificationsOf(viewer);
    expect(before.unreadCount).toBeGreaterThan(0);
    const first = before.items[0];
    expect((await t.api.post(`/api/web/notifications/${first.id}/read`, undefined, outsider)).status).toBe(404);
    const read = await t.api.post(`/api/web/notifications/${first.id}/read`, undefined, viewer);
    expect(read.status).toBe(200);
    expect(read.body.read).toBe(true);
    expect((await notificationsOf(viewer)).unreadCount).toBe(before.unreadCount - 1);
    expect((await notificationsOf(viewer, "?unread=true")).items.some((n: Notice) => n.id === first.id)).toBe(false);

    const page1 = await notificationsOf(viewer, "?limit=1");
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).toBeString();
    const page2 = await notificationsOf(viewer, `?limit=1&cursor=${page1.nextCursor}`);
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
    expect((await t.api.get("/api/web/notifications?cursor=garbage", viewer)).status).toBe(400);
    expect((await t.api.get("/api/web/notifications?unread=yes", viewer)).status).toBe(400);

    const all = await t.api.post("/api/web/notifications/read-all", undefined, viewer);
    expect(all.status).toBe(200);
    expect(all.body.updated).toBe(before.unreadCount - 1);
    expect((await notificationsOf(viewer)).unreadCount).toBe(0);
    expect((await t.api.get("/api/web/notifications")).status).toBe(401);
  });

  test("dashboard: stats, recent tasks within the caller's projects, recent activity", async () => {
    const stats = (await t.api.get("/api/web/dashboard/stats", admin)).body;
    expect(stats.tasks.total).toBeGreaterThanOrEqual(2);
    expect(stats.tasks.awaitingConfirmation).toBeGreaterThanOrEqual(1);
    expect(stats.tasks.byStatus.failed).toBeGreaterThanOrEqual(1);
    expect(stats.machines.total).toBeGreaterThanOrEqual(1);
    expect(stats.machines.offline).toBeGreaterThanOrEqual(1);
    expect(stats.notifications.unread).toBeGreaterThan(0);

    const recentAdmin = (await t.api.get("/api/web/dashboard/recent-tasks?limit=5", admin)).body.items;
    expect(recentAdmin.map((x: { prompt: string }) => x.prompt)).toEqual(
      expect.arrayContaining([`deploy alpha ${suffix}`, `deploy beta ${suffix}`]),
    );
    const recentViewer = (await t.api.get("/api/web/dashboard/recent-tasks", viewer)).body.items;
    expect(recentViewer.map((x: { prompt: string }) => x.prompt)).toEqual([`deploy alpha ${suffix}`]);
    expect((await t.api.get("/api/web/dashboard/recent-tasks", outsider)).body.items).toEqual([]);
    expect((await t.api.get("/api/web/dashboard/recent-tasks?limit=0", admin)).status).toBe(400);

    const activity = (await t.api.get("/api/web/dashboard/recent-activity?limit=3", admin)).body.items;
    expect(activity).toHaveLength(3);
    expect(activity[0].kind).toBeString();
  });

  test("search: ranked machines, tasks and projects, within the tenant and the caller's projects", async () => {
    await t.api.post("/api/v1/hosts", { name: `deploy-box-${suffix}` }, admin);
    const res = await t.api.get(`/api/web/search?q=${encodeURIComponent(`deploy`)}`, admin);
    expect(res.status).toBe(200);
    expect(res.body.machines.map((m: { name: string }) => m.name)).toContain(`deploy-box-${suffix}`);
    expect(res.body.tasks.map((x: { title: string; projectKey: string }) => x.title)).toEqual(
      expect.arrayContaining([`deploy alpha ${suffix}`, `deploy beta ${suffix}`]),
    );
    expect(
      res.body.tasks.find((x: { title: string; projectKey: string }) => x.title === `deploy alpha ${suffix}`)
        .projectKey,
    ).toBe(`alpha${suffix}`);

    // Ranking: an exact name beats a longer one holding the word (full text; test/integration/search.test.ts).
    for (const name of [`x-robot${suffix}`, `robot${suffix}-2`, `robot${suffix}`])
      await t.api.post("/api/v1/hosts", { name }, admin);
    const ranked = (await t.api.get(`/api/web/search?q=ROBOT${suffix}`, admin)).body.machines.map(
      (m: { name: string }) => m.name,
    );
    expect(ranked.slice(0, 3)).toEqual([`robot${suffix}`, `robot${suffix}-2`, `x-robot${suffix}`]);

    const projects = (await t.api.get("/api/web/search?q=project", admin)).body.projects.map(
      (p: { key: string }) => p.key,
    );
    expect(projects.sort()).toEqual([`alpha${suffix}`, `beta${suffix}`]);

    const asViewer = (await t.api.get("/api/web/search?q=deploy", viewer)).body;
    expect(asViewer.tasks.map((x: { title: string; projectKey: string }) => x.title)).toEqual([
      `deploy alpha ${suffix}`,
    ]);
    expect(
      (await t.api.get("/api/web/search?q=project", viewer)).body.projects.map((p: { key: string }) => p.key),
    ).toEqual([`alpha${suffix}`]);
    const asOutsider = (await t.api.get("/api/web/search?q=deploy", outsider)).body;
    expect(asOutsider.tasks).toEqual([]);
    expect(asOutsider.machines.length).toBeGreaterThan(0); // every user reads the tenant's machines

    const other = (await t.api.get("/api/web/search?q=deploy", otherTenantKey)).body;
    expect(other).toMatchObject({ machines: [], tasks: [], projects: [] });

    // Punctuation alone is no query: nothing matches.
    expect((await t.api.get("/api/web/search?q=%25", admin)).body.machines).toEqual([]);
    expect((await t.api.get("/api/web/search?q=%20%20", admin)).status).toBe(400);
    expect((await t.api.get("/api/web/search", admin)).status).toBe(400);
    expect((await t.api.get(`/api/web/search?q=${"x".repeat(201)}`, admin)).status).toBe(400);
  });

  test("GET /metrics: Prometheus text for installation admins (prom-client, this plane's own registry)", async () => {
    const scrape = async () => {
      const res = await fetch(`${t.plane.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
      return parsePrometheus(await res.text());
    };
    const before = await scrape();
    // Message counts, kept in memory and handed over on scrape.
    for (let i = 0; i < 3; i++) t.plane.services.metrics.mqttMessage("in", "ack");
    t.plane.services.metrics.grpcMessage("out", "agent");
    // One command round trip observed: created here, then finished.
    const host = (await t.api.post("/api/v1/hosts", { name: `metrics-${suffix}` }, admin)).body;
    const command = (await t.api.post("/api/v1/commands", { hostId: host.id, kind: "echo" }, admin)).body;
    for (const status of ["running", "completed"])
      expect((await t.api.post(`/api/v1/commands/${command.id}/transition`, { status }, admin)).status).toBe(200);
    const after = await scrape();
    expect(after.types.get("edge_tasks")).toBe("gauge");
    expect(after.value('edge_tasks{status="failed"}')).toBeGreaterThan(0);
    expect(after.value('edge_hosts{status="offline"}')).toBeGreaterThan(0);
    expect(after.value('edge_commands{status="completed"}')).toBeGreaterThan(0);
    expect(after.value("edge_agents_connected")).toBeGreaterThanOrEqual(0);
    expect(after.value("edge_notifications_created_total")).toBeGreaterThan(0);
    expect(after.value('edge_http_responses_total{method="GET",code="2xx"}')).toBeGreaterThan(0);
    // Histograms: the command's round trip, and the HTTP requests by route template (never the raw path).
    expect(after.types.get("edge_command_round_trip_seconds")).toBe("histogram");
    const roundTrips = (p: typeof after) => p.value('edge_command_round_trip_seconds_count{status="completed"}') ?? 0;
    expect(roundTrips(after)).toBe(roundTrips(before) + 1);
    expect(after.value('edge_command_round_trip_seconds_bucket{le="+Inf",status="completed"}')).toBe(roundTrips(after));
    expect(after.types.get("edge_task_scheduling_seconds")).toBe("histogram");
    expect(after.types.get("edge_http_request_duration_seconds")).toBe("histogram");
    const transitions =
      'edge_http_request_duration_seconds_count{method="POST",route="/api/v1/commands/:id/transition",code="200"}';
    expect(after.value(transitions)).toBe((before.value(transitions) ?? 0) + 2);
    expect([...after.samples.keys()].some((k) => k.includes(command.id))).toBe(false);
    // Message counters and the database pool.
    expect(after.types.get("edge_mqtt_messages_total")).toBe("counter");
    expect(after.types.get("edge_grpc_messages_total")).toBe("counter");
    const acksIn = 'edge_mqtt_messages_total{direction="in",channel="ack"}';
    expect(after.value(acksIn)).toBe((before.value(acksIn) ?? 0) + 3);
    const agentOut = 'edge_grpc_messages_total{direction="out",service="agent"}';
    expect(after.value(agentOut)).toBe((before.value(agentOut) ?? 0) + 1);
    expect(after.value("edge_db_pool_max")).toBeGreaterThanOrEqual(1);
    expect(after.value("edge_db_pool_active")).toBeGreaterThanOrEqual(0);
    expect(after.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect((await t.api.get("/metrics", viewer)).status).toBe(403);
    expect((await t.api.get("/metrics")).status).toBe(401);
  });

  test("the web console's files are served (no CDN), unknown files are 404", async () => {
    const index = await fetch(`${t.plane.url}/console`);
    expect(index.status).toBe(200);
    const page = await index.text();
    expect(page).toContain('<script type="module" src="/console/app.js">');
    expect(page).not.toMatch(/https?:\/\//);
    for (const file of ["app.js", "style.css", "vendor/preact.mjs", "vendor/hooks.mjs", "vendor/htm.mjs"]) {
      const res = await fetch(`${t.plane.url}/console/${file}`);
      expect(res.status).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    expect((await fetch(`${t.plane.url}/console/../package.json`)).status).toBe(404);
    expect((await fetch(`${t.plane.url}/console/nope.js`)).status).toBe(404);
    const root = await fetch(`${t.plane.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console");
  });
});

/** A strict reading of the Prometheus text format: every line a comment or `name{labels} value`, families typed once. */
function parsePrometheus(text: string) {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const typed = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/);
    if (typed) {
      expect(types.has(typed[1]!)).toBe(false);
      types.set(typed[1]!, typed[2]!);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const sample = line.match(
      /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})?) (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/,
    );
    if (!sample) throw new Error(`not Prometheus text: ${line}`);
    samples.set(sample[1]!, Number(sample[2]));
  }
  return { types, samples, value: (key: string) => samples.get(key) };
}
