/** Projects and pipelines over HTTP: admin and web routes, strict pipeline validation, tenancy, task creation. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { waitFor } from "../support/wait";

const pipeline = [
  { name: "build", kind: "command", command: { kind: "exec", params: { command: "make" } } },
  { name: "review", kind: "confirm", prompt: "Merge {{stages.build.result}}?", options: ["merge", "reject"] },
  { name: "ship", kind: "agent", idempotent: true },
];

describe.each(await availableBackends())("projects on $name", (backend) => {
  let t: TestPlane;
  let key: string;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    key = t.adminKey;
  });
  afterAll(() => t?.stop());

  test("admin CRUD, web read and update; a task keeps the pipeline it was created with", async () => {
    const created = await t.api.post(
      "/api/admin/projects",
      { key: "robot-fw", name: "Robot firmware", repoUrl: "https://git.example/fw.git", pipeline, agentType: "claude" },
      key,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: "robot-fw", agentType: "claude", pipeline });
    expect((await t.api.post("/api/admin/projects", { key: "robot-fw", name: "again", pipeline }, key)).status).toBe(
      409,
    );
    expect((await t.api.get("/api/web/projects", key)).body.items.map((p: { key: string }) => p.key)).toContain(
      "robot-fw",
    );
    expect((await t.api.get("/api/web/projects/robot-fw", key)).body.name).toBe("Robot firmware");

    const task = await t.api.post("/api/web/tasks", { projectKey: "robot-fw", description: "v2" }, key);
    expect(task.status).toBe(201);
    expect(task.body).toMatchObject({
      status: "pending",
      prompt: "v2",
      agentType: "claude",
      pipeline,
      attempt: 1,
      stageIndex: 0,
    });

    const updated = await t.api.put(
      "/api/web/projects/robot-fw",
      { name: "Firmware", pipeline: [{ name: "only", kind: "agent" }] },
      key,
    );
    expect(updated.status).toBe(200);
    expect(updated.body.pipeline).toEqual([{ name: "only", kind: "agent" }]);
    expect((await t.api.get(`/api/web/tasks/${task.body.id}`, key)).body.pipeline).toEqual(pipeline);

    expect((await t.api.put("/api/admin/projects/robot-fw", { agentType: "codex" }, key)).body.agentType).toBe("codex");
    expect((await t.api.delete("/api/admin/projects/robot-fw", key)).body).toEqual({ key: "robot-fw", deleted: true });
    expect((await t.api.get("/api/web/projects/robot-fw", key)).status).toBe(404);
    expect((await t.api.get(`/api/web/tasks/${task.body.id}`, key)).status).toBe(200); // tasks outlive their project
    expect((await t.api.post("/api/web/tasks", { projectKey: "robot-fw", description: "x" }, key)).status).toBe(400);
  });

  test("pipelines are validated strictly (400 naming the stage)", async () => {
    const bad: [unknown, string][] = [
      [[], "at least one stage"],
      ["stages", "must be an array"],
      [[{ name: "a", kind: "dance" }], "kind must be command, confirm or agent"],
      [[{ name: "Bad Name", kind: "agent" }], "name must match"],
      [
        [
          { name: "a", kind: "agent" },
          { name: "a", kind: "agent" },
        ],
        'duplicate stage name "a"',
      ],
      [[{ name: "a", kind: "command" }], "command must be an object"],
      [[{ name: "a", kind: "command", command: { kind: "exec", params: [] } }], "command.params must be an object"],
      [[{ name: "a", kind: "command", command: { kind: "agent" } }], 'use a stage of kind "agent"'],
      [[{ name: "a", kind: "command", command: { kind: "exec", timeoutMs: 0 } }], "timeoutMs"],
      [[{ name: "a", kind: "confirm" }], "prompt must be a non-empty string"],
      [[{ name: "a", kind: "confirm", prompt: "ok?", options: [] }], "options must be 1-50 distinct"],
      [[{ name: "a", kind: "confirm", prompt: "ok?", options: ["x", "x"] }], "options must be 1-50 distinct"],
      [[{ name: "a", kind: "confirm", prompt: "ok?", input: { type: "number" } }], "input must be"],
      [[{ name: "a", kind: "agent", extra: 1 }], 'unknown field "extra"'],
      [[{ name: "a", kind: "agent", idempotent: "yes" }], "idempotent must be a boolean"],
      [
        [
          { name: "a", kind: "command", command: { kind: "exec", params: { arg: "{{stages.b.result}}" } } },
          { name: "b", kind: "agent" },
        ],
        "refers to a stage that does not run before",
      ],
      [
        [{ name: "a", kind: "command", command: { kind: "exec", params: { arg: "{{secrets.x}}" } } }],
        "unknown placeholder",
      ],
    ];
    for (const [p, message] of bad) {
      const res = await t.api.post(
        "/api/admin/projects",
        { key: `k${crypto.randomUUID().slice(0, 6)}`, name: "x", pipeline: p },
        key,
      );
      expect({ status: res.status, message, error: res.body.error }).toMatchObject({
        status: 400,
        error: expect.stringContaining(message),
      });
    }
    expect((await t.api.post("/api/admin/projects", { key: "no-pipeline", name: "x" }, key)).status).toBe(400);
    expect((await t.api.post("/api/admin/projects", { key: "1bad", name: "x", pipeline }, key)).status).toBe(400);
    expect((await t.api.put("/api/web/projects/nope", { name: "x" }, key)).status).toBe(404);
  });

  test("a stage not started by its deadline (stage ttlSeconds, or the environment's default) expires and fails its task", async () => {
    // No agent: the machine looks online but nothing will start the stage's command before its deadline.
    const plane = await startTestPlane(backend, { commandDeadlineGraceMs: 0, safetySweepMs: 100 });
    try {
      const k = plane.adminKey;
      const env = (
        await plane.api.post("/api/v1/environments", { name: "ttl-env", config: { commandTtlSeconds: 1 } }, k)
      ).body;
      const plain = (await plane.api.post("/api/v1/hosts", { name: "ttl-plain" }, k)).body;
      const inEnv = (await plane.api.post("/api/v1/hosts", { name: "ttl-env-host", environmentId: env.id }, k)).body;
      for (const h of [plain, inEnv])
        expect((await plane.api.put(`/api/v1/hosts/${h.id}/status`, { status: "online" }, k)).status).toBe(200);
      const stage = { name: "late", kind: "command", command: { kind: "echo", params: { text: "hi" } } };
      expect(
        (
          await plane.api.post(
            "/api/admin/projects",
            { key: "ttl-stage", name: "x", pipeline: [{ ...stage, ttlSeconds: 1 }] },
            k,
          )
        ).status,
      ).toBe(201);
      expect(
        (await plane.api.post("/api/admin/projects", { key: "ttl-env", name: "x", pipeline: [stage] }, k)).status,
      ).toBe(201);
      const a = (
        await plane.api.post("/api/web/tasks", { projectKey: "ttl-stage", description: "a", machineId: plain.id }, k)
      ).body;
      const b = (
        await plane.api.post("/api/web/tasks", { projectKey: "ttl-env", description: "b", machineId: inEnv.id }, k)
      ).body;
      for (const task of [a, b]) {
        const failed = await waitFor("the task to fail", async () => {
          const got = (await plane.api.get(`/api/web/tasks/${task.id}`, k)).body;
          return got.status === "failed" && got;
        });
        expect(failed.error).toContain("expired");
        const commands = (await plane.api.get(`/api/v1/commands?hostId=${task === a ? plain.id : inEnv.id}`, k)).body
          .items;
        expect(commands.map((c: { status: string }) => c.status)).toEqual(["expired"]);
      }
      expect(
        (
          await plane.api.post(
            "/api/admin/projects",
            { key: "ttl-bad", name: "x", pipeline: [{ ...stage, ttlSeconds: 0 }] },
            k,
          )
        ).status,
      ).toBe(400);
    } finally {
      await plane.stop();
    }
  });

  test("admin routes need a credential; other tenants see nothing", async () => {
    const other = await createTenant(t, `proj-${crypto.randomUUID().slice(0, 6)}`);
    await t.api.post("/api/admin/projects", { key: "mine", name: "mine", pipeline }, key);
    expect((await t.api.get("/api/web/projects/mine", other.key)).status).toBe(404);
    expect((await t.api.post("/api/web/tasks", { projectKey: "mine", description: "x" }, other.key)).status).toBe(400);
    expect((await t.api.get("/api/admin/projects", undefined)).status).toBe(401);
  });

  test("project membership: a member lists and reads only their projects and those projects' tasks; admins see all", async () => {
    const tenant = await createTenant(t, `members-${crypto.randomUUID().slice(0, 6)}`);
    const admin = tenant.key;
    const suffix = crypto.randomUUID().slice(0, 6);
    for (const k of ["alpha", "beta"])
      expect((await t.api.post("/api/admin/projects", { key: k, name: k, pipeline }, admin)).status).toBe(201);
    const signIn = async (role: string, project?: string, projectRole?: string) => {
      const name = `${role}-${suffix}`;
      const user = await t.api.post("/api/admin/developers", { name, password: "member password" }, admin);
      expect(user.status).toBe(201);
      if (project)
        expect(
          (
            await t.api.post(
              `/api/admin/projects/${project}/members`,
              { developerId: user.body.id, role: projectRole },
              admin,
            )
          ).status,
        ).toBe(201);
      const session = await t.api.post("/api/auth/login", { username: name, password: "member password" });
      return { id: user.body.id as string, token: session.body.accessToken as string };
    };
    const dev = await signIn("dev", "alpha", "developer");
    const viewer = await signIn("viewer", "alpha", "viewer");
    const stranger = await signIn("stranger");
    const alphaTask = (await t.api.post("/api/web/tasks", { projectKey: "alpha", description: "a" }, dev.token)).body;
    const betaTask = (await t.api.post("/api/web/tasks", { projectKey: "beta", description: "b" }, admin)).body;
    const looseTask = (await t.api.post("/api/v1/tasks", { prompt: "no project" }, admin)).body;
    expect([alphaTask.id, betaTask.id, looseTask.id].every(Boolean)).toBe(true);

    const keys = async (token: string) =>
      ((await t.api.get("/api/web/projects", token)).body.items as { key: string }[]).map((p) => p.key);
    const webIds = async (token: string, query = "") =>
      ((await t.api.get(`/api/web/tasks${query}`, token)).body.items as { id: string }[]).map((x) => x.id).sort();
    const v1Ids = async (token: string) =>
      ((await t.api.get("/api/v1/tasks", token)).body.items as { id: string }[]).map((x) => x.id).sort();

    // Lists: members see their projects and their tasks; tenant admins see every project and task.
    expect(await keys(dev.token)).toEqual(["alpha"]);
    expect(await keys(viewer.token)).toEqual(["alpha"]);
    expect(await keys(stranger.token)).toEqual([]);
    expect(await keys(admin)).toEqual(["alpha", "beta"]);
    expect(await webIds(dev.token)).toEqual([alphaTask.id]);
    expect(await webIds(viewer.token, "?projectKey=beta")).toEqual([]);
    expect((await t.api.get("/api/web/tasks", viewer.token)).body.total).toBe(1);
    expect(await v1Ids(viewer.token)).toEqual([alphaTask.id]);
    expect(await webIds(stranger.token)).toEqual([]);
    expect(await v1Ids(stranger.token)).toEqual([]);
    expect(await webIds(admin)).toEqual([alphaTask.id, betaTask.id, looseTask.id].sort());
    expect(await v1Ids(admin)).toEqual([alphaTask.id, betaTask.id, looseTask.id].sort());
    expect((await t.api.get("/api/v1/metrics/tasks", dev.token)).body.total).toBe(1);
    expect((await t.api.get("/api/v1/metrics/tasks", stranger.token)).body.total).toBe(0);
    expect((await t.api.get("/api/v1/metrics/tasks", admin)).body.total).toBe(3);

    // Single reads: a project or task outside the caller's projects is 404, as one that does not exist.
    expect((await t.api.get("/api/web/projects/alpha", viewer.token)).status).toBe(200);
    expect((await t.api.get("/api/web/projects/beta", dev.token)).status).toBe(404);
    expect((await t.api.get("/api/web/projects/alpha", stranger.token)).status).toBe(404);
    for (const path of ["", "/events", "/logs"]) {
      expect((await t.api.get(`/api/web/tasks/${alphaTask.id}${path}`, viewer.token)).status).toBe(200);
      expect((await t.api.get(`/api/web/tasks/${betaTask.id}${path}`, viewer.token)).status).toBe(404);
      expect((await t.api.get(`/api/web/tasks/${looseTask.id}${path}`, dev.token)).status).toBe(404);
      expect((await t.api.get(`/api/web/tasks/${alphaTask.id}${path}`, stranger.token)).status).toBe(404);
      expect((await t.api.get(`/api/web/tasks/${betaTask.id}${path}`, admin)).status).toBe(200);
    }
    expect((await t.api.get(`/api/v1/tasks/${betaTask.id}`, dev.token)).status).toBe(404);
    expect((await t.api.post("/api/web/tasks", { projectKey: "beta", description: "x" }, dev.token)).status).toBe(404);
    // A member with too small a role: 403.
    expect((await t.api.post(`/api/web/tasks/${alphaTask.id}/cancel`, undefined, viewer.token)).status).toBe(403);
    expect((await t.api.put("/api/web/projects/alpha", { name: "A" }, viewer.token)).status).toBe(403);

    // Membership changes apply at once; a user made tenant admin sees everything.
    expect(
      (await t.api.post("/api/admin/projects/beta/members", { developerId: stranger.id, role: "viewer" }, admin))
        .status,
    ).toBe(201);
    expect(await keys(stranger.token)).toEqual(["beta"]);
    expect(await webIds(stranger.token)).toEqual([betaTask.id]);
    expect((await t.api.get(`/api/web/tasks/${betaTask.id}/events`, stranger.token)).status).toBe(200);
    expect((await t.api.put(`/api/admin/developers/${dev.id}`, { role: "admin" }, admin)).status).toBe(200);
    expect(await keys(dev.token)).toEqual(["alpha", "beta"]);
    expect(await webIds(dev.token)).toEqual([alphaTask.id, betaTask.id, looseTask.id].sort());
    expect((await t.api.get(`/api/web/tasks/${looseTask.id}`, dev.token)).status).toBe(200);
  });

  test("tasks: v1 and web routes are one entity; filters, manual transitions keep the state machine (409)", async () => {
    const v1 = await t.api.post("/api/v1/tasks", { prompt: "plain task", priority: 5 }, key);
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      status: "pending",
      pipeline: [{ name: "agent", kind: "agent" }],
      agentType: "default",
      priority: 5,
    });
    expect((await t.api.get(`/api/web/tasks/${v1.body.id}`, key)).body.id).toBe(v1.body.id);
    expect(
      (await t.api.get("/api/web/tasks?status=pending", key)).body.items.map((x: { id: string }) => x.id),
    ).toContain(v1.body.id);
    expect((await t.api.get("/api/web/tasks?status=bogus", key)).status).toBe(400);
    expect((await t.api.post(`/api/v1/tasks/${v1.body.id}/transition`, { status: "completed" }, key)).status).toBe(409);
    expect((await t.api.post(`/api/v1/tasks/${v1.body.id}/transition`, { status: "cancelled" }, key)).body.status).toBe(
      "cancelled",
    );
    expect((await t.api.post(`/api/v1/tasks/${v1.body.id}/transition`, { status: "running" }, key)).status).toBe(409);
    expect((await t.api.get(`/api/web/tasks/${v1.body.id}/pending-confirm`, key)).status).toBe(409);
    expect(
      (await t.api.post(`/api/web/tasks/${v1.body.id}/confirm-stage`, { stageIndex: 0, result: "x" }, key)).status,
    ).toBe(409);
    expect((await t.api.post(`/api/web/tasks/task_nope/cancel`, undefined, key)).status).toBe(404);
    expect((await t.api.post(`/api/web/tasks`, { projectKey: "x", description: "" }, key)).status).toBe(400);
    const metrics = (await t.api.get("/api/v1/metrics/tasks", key)).body;
    expect(metrics.counts).toHaveProperty("assigned");
    expect(metrics.counts).toHaveProperty("suspended");
  });

  test("malformed bodies on the orchestration write routes are 4xx with an error, never 500s", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: `malformed-${crypto.randomUUID().slice(0, 6)}` }, key))
      .body;
    await t.api.post("/api/admin/projects", { key: "malformed", name: "m", pipeline }, key);
    const task = (await t.api.post("/api/web/tasks", { projectKey: "malformed", description: "x" }, key)).body;
    const routes: [string, string][] = [
      ["POST", "/api/admin/projects"],
      ["PUT", "/api/admin/projects/malformed"],
      ["PUT", "/api/web/projects/malformed"],
      ["POST", "/api/web/tasks"],
      ["POST", `/api/web/tasks/${task.id}/confirm-stage`],
      ["PUT", `/api/admin/machines/${host.id}`],
      ["POST", "/api/admin/worker-tokens"],
      ["POST", "/api/workers/register"],
      ["POST", "/api/workers/refresh-token"],
      ["POST", "/api/workers/recover"],
    ];
    const bodies = [
      '{"name":',
      "[1,2,3]",
      JSON.stringify({
        name: 5,
        pipeline: "x",
        projectKey: [],
        description: null,
        stageIndex: "1",
        result: 2,
        status: "gone",
        machineId: {},
        token: 1,
        ttlSeconds: -1,
        refreshToken: false,
        runtimeId: 3,
        maxConcurrentTasks: -2,
      }),
    ];
    for (const [method, path] of routes) {
      for (const rawBody of bodies) {
        const res = await t.api.request(method, path, {
          token: key,
          rawBody,
          headers: { "content-type": "application/json" },
        });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(typeof res.body?.error).toBe("string");
        // truncated JSON and wrong types are always refused
        if (rawBody !== "[1,2,3]")
          expect({ method, path, rawBody, status: res.status }).toEqual({ method, path, rawBody, status: 400 });
      }
    }
    // an update that changes nothing (e.g. a JSON array, whose indexes the schema drops) is refused, not a no-op
    for (const path of [
      "/api/admin/projects/malformed",
      "/api/web/projects/malformed",
      `/api/admin/machines/${host.id}`,
    ]) {
      const res = await t.api.request("PUT", path, {
        token: key,
        rawBody: "[1,2,3]",
        headers: { "content-type": "application/json" },
      });
      expect({ path, status: res.status, error: res.body.error }).toMatchObject({
        path,
        status: 400,
        error: expect.stringContaining("invalid body"),
      });
    }
  });
});
