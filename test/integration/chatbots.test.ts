/**
 * Chat bots end to end against real local servers speaking the Telegram Bot API and Slack Web API shapes: a task
 * reaching a confirm stage is announced in the bound chat and a linked user confirms it from there; forged inbound
 * requests are refused; a provider answering 429 then 500 is retried without duplicates; unlinked users are
 * refused; deleting a bot removes its bindings. On PGlite with the embedded broker, and PostgreSQL with Mosquitto.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopAllAgents } from "../support/agent-process";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";
import { waitFor } from "../support/wait";

const backends = await availableBackends();
const setups = [{ label: "PGlite + embedded broker", backend: backends[0]!, external: false }];
if ((await postgresReachable()) && (await mqttReachable())) {
  setups.push({ label: "PostgreSQL + Mosquitto", backend: backends[1]!, external: true });
} else {
  console.warn("PostgreSQL or Mosquitto not reachable: chat bot tests run on PGlite only");
}

const scripts = mkdtempSync(join(tmpdir(), "chat-agent-"));
const AGENT_SCRIPT = join(scripts, "agent.sh");
writeFileSync(AGENT_SCRIPT, "#!/bin/sh\ncat >/dev/null\necho agent done\n");
chmodSync(AGENT_SCRIPT, 0o755);
afterAll(() => rmSync(scripts, { recursive: true, force: true }));

interface Sent {
  provider: "telegram" | "slack";
  token: string;
  chatId: string;
  text: string;
  /** The status this request was answered with. */
  status: number;
}

/** A local server answering Telegram `sendMessage` and Slack `chat.postMessage`; failures can be scripted. */
function fakeProviders() {
  const sent: Sent[] = [];
  /** Generic webhook posts: the raw body and its signature headers. */
  const hooks: { body: string; timestamp: string; signature: string }[] = [];
  /** Answers to give before succeeding, per message text substring. */
  const scripted: {
    chatId: string;
    match: string;
    answers: { status: number; body: unknown; headers?: Record<string, string> }[];
  }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/hook") {
        hooks.push({
          body: await req.text(),
          timestamp: req.headers.get("x-edge-timestamp") ?? "",
          signature: req.headers.get("x-edge-signature") ?? "",
        });
        return new Response(null, { status: 204 });
      }
      const body = (await req.json()) as Record<string, string>;
      const telegram = /^\/telegram\/bot([^/]+)\/sendMessage$/.exec(url.pathname);
      const slack = url.pathname === "/slack/chat.postMessage";
      if (!telegram && !slack) return new Response("not found", { status: 404 });
      const entry = {
        provider: telegram ? "telegram" : "slack",
        token: telegram ? telegram[1]! : (req.headers.get("authorization") ?? "").replace("Bearer ", ""),
        chatId: String(telegram ? body.chat_id : body.channel),
        text: body.text ?? "",
      } as const;
      const script = scripted.find(
        (s) => s.chatId === entry.chatId && entry.text.includes(s.match) && s.answers.length > 0,
      );
      const answer = script?.answers.shift();
      if (answer) {
        sent.push({ ...entry, status: answer.status });
        return Response.json(answer.body, { status: answer.status, headers: answer.headers });
      }
      sent.push({ ...entry, status: 200 });
      return Response.json(telegram ? { ok: true, result: { message_id: sent.length } } : { ok: true, ts: "1.2" });
    },
  });
  return { sent, hooks, scripted, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

const PASSWORD = "correct horse battery staple 9";

describe.each(setups)("chat bots with $label", ({ backend, external }) => {
  let t: TestPlane;
  let providers: ReturnType<typeof fakeProviders>;
  let envId: string;
  const suffix = crypto.randomUUID().slice(0, 6);

  beforeAll(async () => {
    providers = fakeProviders();
    const mqtt = external ? { mqttUrl: TEST_MQTT_URL, mqttSharedGroup: `chat-${suffix}` } : {};
    t = await startTestPlane(backend, {
      ...mqtt,
      taskSchedulerTickMs: 200,
      telegramApiUrl: `${providers.url}/telegram`,
      slackApiUrl: `${providers.url}/slack`,
      chatDeliveryTickMs: 50,
      chatRetryBaseMs: 20,
      chatPerChatIntervalMs: 0,
    });
    envId = await policedEnvironment(t, "chat", { exec: { allowedCommands: ["echo"] } });
  });
  afterEach(() => stopAllAgents());
  afterAll(async () => {
    await t?.stop();
    providers?.stop();
  });

  const admin = () => t.adminKey;
  async function member(name: string) {
    const created = await t.api.post("/api/admin/developers", { name, password: PASSWORD, role: "member" }, admin());
    expect(created.status).toBe(201);
    const login = await t.api.post("/api/auth/login", { username: name, password: PASSWORD });
    expect(login.status).toBe(200);
    return { id: created.body.id as string, token: login.body.accessToken as string };
  }
  async function telegramBot(name: string) {
    const token = `${Math.floor(Math.random() * 1e9)}:tok-${crypto.randomUUID().slice(0, 8)}`;
    const res = await t.api.post("/api/admin/bots", { name, provider: "telegram", token }, admin());
    expect(res.status).toBe(201);
    expect(typeof res.body.webhookSecret).toBe("string");
    return { id: res.body.id as string, secret: res.body.webhookSecret as string, token };
  }
  let updateId = 1;
  const telegramSays = (
    bot: { id: string },
    secret: string | undefined,
    chatId: number,
    fromId: number,
    text: string,
  ) =>
    t.api.request("POST", `/api/chat/telegram/${bot.id}`, {
      body: { update_id: updateId++, message: { message_id: 1, from: { id: fromId }, chat: { id: chatId }, text } },
      headers: secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret },
    });
  const messageTo = (chatId: string, includes: string, timeoutMs = 15_000) =>
    waitFor(
      `a message to ${chatId} with "${includes}"`,
      () => providers.sent.find((m) => m.chatId === chatId && m.status === 200 && m.text.includes(includes)),
      timeoutMs,
    );

  test("a confirm stage is announced in the bound chat; a linked developer confirms from chat; the task completes", async () => {
    const bot = await telegramBot("ops");
    const chat = -1000 - Math.floor(Math.random() * 1e6);
    const projectKey = `chat${suffix}`;
    const project = await t.api.post(
      "/api/admin/projects",
      {
        key: projectKey,
        name: projectKey,
        pipeline: [
          { name: "approve", kind: "confirm", prompt: "Ship it?", options: ["ship", "abort"] },
          { name: "deploy", kind: "agent" },
        ],
      },
      admin(),
    );
    expect(project.status).toBe(201);
    const binding = await t.api.post(
      `/api/admin/bots/${bot.id}/bindings`,
      {
        chatId: String(chat),
        scope: "project",
        scopeId: project.body.id,
        events: ["task.awaiting_confirmation", "task.completed"],
      },
      admin(),
    );
    expect(binding.status).toBe(201);

    // A developer of the project links their chat identity with a one-time code.
    const dev = await member(`chatdev-${suffix}`);
    expect(
      (
        await t.api.post(
          `/api/admin/projects/${projectKey}/members`,
          { developerId: dev.id, role: "developer" },
          admin(),
        )
      ).status,
    ).toBe(201);
    const link = await t.api.post("/api/web/profile/chat-link", undefined, dev.token);
    expect(link.status).toBe(201);
    expect((await telegramSays(bot, bot.secret, chat, 4242, `/link ${link.body.code}`)).status).toBe(200);
    await messageTo(String(chat), "Linked");
    // The code is single-use.
    await telegramSays(bot, bot.secret, chat, 5151, `/link ${link.body.code}`);
    await messageTo(String(chat), "unknown or expired");

    const w = await agentFor(t, envId, "chat", { env: { EDGE_AGENT_TYPES: `default=${AGENT_SCRIPT}` } });
    w.agent.start();
    await hostOnline(t, w.host.id);
    const created = await t.api.post(
      "/api/web/tasks",
      { projectKey, description: "release 9", machineId: w.host.id },
      admin(),
    );
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;

    const announced = await messageTo(String(chat), `/confirm ${taskId}`);
    expect(announced.text).toContain("awaiting confirmation");
    expect(announced.token).toBe(bot.token);

    // Without an option the bot lists the choices; then the developer chooses.
    await telegramSays(bot, bot.secret, chat, 4242, `/confirm@opsbot ${taskId}`);
    await messageTo(String(chat), "Choose one");
    expect((await t.api.get(`/api/web/tasks/${taskId}`, admin())).body.status).toBe("suspended");
    expect((await telegramSays(bot, bot.secret, chat, 4242, `/confirm ${taskId} ship`)).status).toBe(200);
    await messageTo(String(chat), "confirmed (ship)");
    await waitFor(
      `task ${taskId} completed`,
      async () => (await t.api.get(`/api/web/tasks/${taskId}`, admin())).body.status === "completed",
      20_000,
    );
    await messageTo(String(chat), "Task completed");
    const task = (await t.api.get(`/api/web/tasks/${taskId}`, admin())).body;
    expect(task.attempts[0].stages[0]).toMatchObject({ status: "completed", result: "ship" });

    // Audited as the linked user, through chat.
    const me = (await t.api.get("/api/users/me", dev.token)).body;
    const entries = await t.plane.services.audit.list(me.tenantId, { action: "task.confirm_stage" });
    const entry = (entries as { actor: string; target: string; detail: Record<string, unknown> }[]).find(
      (e) => e.target === taskId,
    );
    expect(entry).toMatchObject({ actor: dev.id, detail: { via: "chat", botId: bot.id, result: "ship" } });

    // The developer may not drain machines (tenant admins only): refused, machine untouched.
    await telegramSays(bot, bot.secret, chat, 4242, `/drain ${w.host.id}`);
    await messageTo(String(chat), "Refused: tenant admin role required");
    expect((await t.api.get(`/api/web/machines/${w.host.id}`, admin())).body.draining).toBe(false);
    await telegramSays(bot, bot.secret, chat, 4242, `/status ${w.host.name}`);
    await messageTo(String(chat), `${w.host.name}: online`);
  }, 60_000);

  test("forged inbound requests are refused: bad secret token, bad signature, stale timestamp", async () => {
    const bot = await telegramBot("forged");
    for (const secret of [undefined, "wrong", `${bot.secret}x`]) {
      const res = await telegramSays(bot, secret, -1, 1, "/status x");
      expect(res.status, String(secret)).toBe(401);
      expect(typeof res.body.error).toBe("string");
    }
    // A valid secret for another bot's id is no good either.
    const other = await telegramBot("other");
    expect((await telegramSays(other, bot.secret, -1, 1, "/status x")).status).toBe(401);

    const signingSecret = `sig-${crypto.randomUUID()}`;
    const slack = await t.api.post(
      "/api/admin/bots",
      { name: "slack", provider: "slack", token: "xoxb-test", signingSecret },
      admin(),
    );
    expect(slack.status).toBe(201);
    const post = (raw: string, ts: number, signature: string) =>
      t.api.request("POST", `/api/chat/slack/${slack.body.id}`, {
        rawBody: raw,
        headers: {
          "content-type": "application/json",
          "x-slack-request-timestamp": String(ts),
          "x-slack-signature": signature,
        },
      });
    const sign = (raw: string, ts: number, secret = signingSecret) =>
      `v0=${createHmac("sha256", secret).update(`v0:${ts}:${raw}`).digest("hex")}`;
    const raw = JSON.stringify({ type: "url_verification", challenge: "c-123" });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(raw, now, sign(raw, now, "another secret"))).status).toBe(401);
    expect((await post(raw, now, sign(`${raw} `, now))).status).toBe(401);
    expect((await post(raw, now - 600, sign(raw, now - 600))).status).toBe(401);
    expect((await post(raw, now + 600, sign(raw, now + 600))).status).toBe(401);
    const ok = await post(raw, now, sign(raw, now));
    expect(ok.status).toBe(200);
    expect(ok.body.challenge).toBe("c-123");
  });

  test("an unlinked chat user is refused politely, on Telegram and Slack", async () => {
    const bot = await telegramBot("unlinked");
    const chat = -2000 - Math.floor(Math.random() * 1e6);
    await t.api.post(`/api/admin/bots/${bot.id}/bindings`, { chatId: String(chat) }, admin());
    expect((await telegramSays(bot, bot.secret, chat, 777, "/drain anything")).status).toBe(200);
    const refusal = await messageTo(String(chat), "don't know who you are");
    expect(refusal.text).toContain("/link");

    const signingSecret = `sig-${crypto.randomUUID()}`;
    const slack = await t.api.post(
      "/api/admin/bots",
      { name: "slack-unlinked", provider: "slack", token: "xoxb-unlinked", signingSecret },
      admin(),
    );
    const channel = `C${suffix}`;
    await t.api.post(`/api/admin/bots/${slack.body.id}/bindings`, { chatId: channel }, admin());
    const raw = JSON.stringify({
      type: "event_callback",
      event: { type: "message", user: "U999", channel, text: "/cancel task_x" },
    });
    const ts = Math.floor(Date.now() / 1000);
    const res = await t.api.request("POST", `/api/chat/slack/${slack.body.id}`, {
      rawBody: raw,
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": String(ts),
        "x-slack-signature": `v0=${createHmac("sha256", signingSecret).update(`v0:${ts}:${raw}`).digest("hex")}`,
      },
    });
    expect(res.status).toBe(200);
    const slackRefusal = await messageTo(channel, "don't know who you are");
    expect(slackRefusal.token).toBe("xoxb-unlinked");
  });

  test("a provider answering 429 then 500 is retried, honouring retry_after, without duplicates", async () => {
    const slack = await t.api.post(
      "/api/admin/bots",
      { name: "flaky", provider: "slack", token: "xoxb-flaky", signingSecret: "s" },
      admin(),
    );
    const channel = `CFLAKY${suffix}`;
    const machine = (await t.api.post("/api/v1/hosts", { name: `flaky-${suffix}` }, admin())).body.id as string;
    const binding = await t.api.post(
      `/api/admin/bots/${slack.body.id}/bindings`,
      { chatId: channel, scope: "machine", scopeId: machine, events: ["machine.offline"] },
      admin(),
    );
    expect(binding.status).toBe(201);
    providers.scripted.push({
      chatId: channel,
      match: "flaky-1",
      answers: [
        { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": "1" } },
        { status: 500, body: { ok: false, error: "internal_error" } },
      ],
    });
    const tenantId = (await t.api.get("/api/users/me", admin())).body.tenantId as string;
    const notice = (title: string) => ({
      tenantId,
      kind: "machine.offline" as const,
      title,
      body: "",
      hostId: machine,
      audience: { scope: "tenant" as const },
    });
    const chatbots = t.plane.services.chatbots;
    // Enqueued for this binding (and any tenant-wide binding of the other tests).
    expect(await chatbots.onNotice(notice("Machine flaky-1 is offline"), `evt-${suffix}-1`)).toBeGreaterThanOrEqual(1);
    expect(await chatbots.outboxOf(binding.body.id)).toHaveLength(1);
    // The same event again (a replayed notice) is not enqueued twice.
    expect(await chatbots.onNotice(notice("Machine flaky-1 is offline"), `evt-${suffix}-1`)).toBe(0);
    await messageTo(channel, "flaky-1");
    const first = providers.sent.filter((m) => m.chatId === channel && m.text.includes("flaky-1"));
    expect(first.map((m) => m.status)).toEqual([429, 500, 200]);
    const row = await waitFor("the message recorded as sent", async () => {
      const [r] = await chatbots.outboxOf(binding.body.id);
      return r?.status === "sent" ? r : undefined;
    });
    expect(row.attempts).toBe(3);
    // Retry-After: 1 was honoured: the second attempt came at least a second after the first.
    expect(row.sentAt!.getTime() - row.createdAt.getTime()).toBeGreaterThanOrEqual(1000);

    // A later message goes through; the first one was delivered exactly once.
    await chatbots.onNotice(notice("Machine flaky-2 is offline"), `evt-${suffix}-2`);
    await messageTo(channel, "flaky-2");
    expect(
      providers.sent.filter((m) => m.chatId === channel && m.text.includes("flaky-1") && m.status === 200),
    ).toHaveLength(1);
    const bots = (await t.api.get("/api/admin/bots", admin())).body.items as Record<string, unknown>[];
    const view = bots.find((b) => b.id === slack.body.id)!;
    expect(view.lastDeliveryAt).not.toBeNull();
    expect(String(view.lastError)).toContain("500");
    // Credentials are never returned.
    expect(JSON.stringify(bots)).not.toContain("xoxb-");
  });

  test("a generic webhook bot posts each notice once, signed with HMAC-SHA256", async () => {
    const created = await t.api.post(
      "/api/admin/bots",
      { name: "hook", provider: "webhook", url: `${providers.url}/hook` },
      admin(),
    );
    expect(created.status).toBe(201);
    const secret = created.body.signingSecret as string;
    expect(secret.length).toBeGreaterThan(20);
    const hostId = (await t.api.post("/api/v1/hosts", { name: `hook-${suffix}` }, admin())).body.id as string;
    const binding = await t.api.post(
      `/api/admin/bots/${created.body.id}/bindings`,
      { chatId: "ops-feed", scope: "machine", scopeId: hostId },
      admin(),
    );
    expect(binding.status).toBe(201);
    const tenantId = (await t.api.get("/api/users/me", admin())).body.tenantId as string;
    const notice = {
      tenantId,
      kind: "update.failed" as const,
      title: `Update failed on ${hostId}`,
      body: "checksum mismatch",
      hostId,
      audience: { scope: "tenant" as const },
    };
    await t.plane.services.chatbots.onNotice(notice, `evt-hook-${suffix}`);
    const hook = await waitFor("the webhook post", () => providers.hooks.find((h) => h.body.includes(hostId)));
    const expected = `sha256=${createHmac("sha256", secret).update(`${hook.timestamp}.${hook.body}`).digest("hex")}`;
    expect(hook.signature).toBe(expected);
    expect(JSON.parse(hook.body)).toMatchObject({
      eventId: `evt-hook-${suffix}`,
      kind: "update.failed",
      chatId: "ops-feed",
    });
    const row = await waitFor("the message recorded as sent", async () => {
      const [r] = await t.plane.services.chatbots.outboxOf(binding.body.id);
      return r?.status === "sent" ? r : undefined;
    });
    expect(row.attempts).toBe(1);
    // The secret was shown once: never listed.
    expect(JSON.stringify((await t.api.get("/api/admin/bots", admin())).body)).not.toContain(secret);
  });

  test("deleting a bot removes its bindings; bindings are listed and deleted by chat", async () => {
    const bot = await telegramBot("short-lived");
    for (const chatId of ["-1", "-2"]) {
      expect((await t.api.post(`/api/admin/bots/${bot.id}/bindings`, { chatId }, admin())).status).toBe(201);
    }
    expect((await t.api.post(`/api/admin/bots/${bot.id}/bindings`, { chatId: "-1" }, admin())).status).toBe(400);
    const bad = await t.api.post(`/api/admin/bots/${bot.id}/bindings`, { chatId: "-3", events: ["nope"] }, admin());
    expect(bad.status).toBe(400);
    for (const [scope, scopeId] of [
      ["machine", "nope"],
      ["project", "nope"],
      ["fleet", "nope"],
      ["tenant", "x"],
      ["machine", undefined],
    ]) {
      const res = await t.api.post(`/api/admin/bots/${bot.id}/bindings`, { chatId: "-4", scope, scopeId }, admin());
      expect(res.status, `${scope} ${scopeId}`).toBe(400);
      expect(res.body.error).toContain("scopeId");
    }
    expect((await t.api.get(`/api/admin/bots/${bot.id}/bindings`, admin())).body.items).toHaveLength(2);
    const removed = await t.api.request("DELETE", `/api/admin/bots/${bot.id}/bindings`, {
      token: admin(),
      body: { chatId: "-2" },
    });
    expect(removed.status).toBe(200);
    const left = (await t.api.get(`/api/admin/bots/${bot.id}/bindings`, admin())).body.items;
    expect(left.map((b: { chatId: string }) => b.chatId)).toEqual(["-1"]);
    const tenantId = (await t.api.get("/api/users/me", admin())).body.tenantId as string;
    await t.plane.services.chatbots.onNotice(
      { tenantId, kind: "machine.online", title: "x", body: "", audience: { scope: "tenant" } },
      `evt-del-${suffix}`,
    );

    expect((await t.api.delete(`/api/admin/bots/${bot.id}`, admin())).status).toBe(200);
    expect((await t.api.get(`/api/admin/bots/${bot.id}/bindings`, admin())).status).toBe(404);
    expect(await t.plane.services.chatbots.outboxOf(left[0].id)).toEqual([]);
    const listed = (await t.api.get("/api/admin/bots", admin())).body.items as { id: string }[];
    expect(listed.some((b) => b.id === bot.id)).toBe(false);
    // Its webhook is gone too.
    expect((await telegramSays(bot, bot.secret, -1, 1, "/status x")).status).toBe(401);
    expect((await t.api.delete(`/api/admin/bots/${bot.id}`, admin())).status).toBe(404);
  });
});
