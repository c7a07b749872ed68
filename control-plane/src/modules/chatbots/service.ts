/**
 * Chat bots: bot instances (Telegram, Slack, generic webhook) with encrypted credentials, chat bindings (a chat bound
 * to a scope and the notice kinds it hears about), a durable outbox delivered at least once (retries with back-off,
 * dedup by event id per binding, per-chat pacing), and inbound chat commands from linked users, each checked against
 * that user's permissions and audited.
 */
import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { type Db, rowsOf } from "../../db/connect";
import { timingSafeEqual } from "node:crypto";
import { withTenant } from "../../db/context";
import { chatBindings, chatBots, chatIdentities, chatLinkCodes, chatOutbox } from "../../db/schema";
import { forbidden, invalid, isDomainError, notFound, unauthenticated } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { TtlCache } from "../../lib/ttl-cache";
import { hashSecret, newSecret, newUserCode, secretMatches } from "../../lib/secrets";
import type { AuditService } from "../audit/service";
import type { FleetService } from "../fleets/service";
import type { MachineService } from "../machines/service";
import { NOTICE_KINDS, type Notice } from "../notifications/service";
import type { PeopleService } from "../people/service";
import { projectRoleCovers, type ProjectMemberService } from "../projects/members";
import type { TaskService } from "../tasks/service";
import type { ProjectService } from "../projects/service";
import { type Credentials, type ProviderUrls, send, slackSignature } from "./providers";
import type { SecretBox } from "./secret-box";

export type ChatProvider = (typeof chatBots.$inferSelect)["provider"];
type Bot = typeof chatBots.$inferSelect;
type Binding = typeof chatBindings.$inferSelect;

export interface ChatBotConfig extends ProviderUrls {
  /** First retry delay; doubles with each attempt (capped at maxRetryDelayMs). */
  retryBaseMs: number;
  maxRetryDelayMs: number;
  maxAttempts: number;
  /** Minimum time between two messages to one chat (providers allow about one a second per chat). */
  perChatIntervalMs: number;
  /** The control plane's public URL (inbound webhook addresses). */
  publicUrl: string;
}

export interface ChatBotDeps {
  audit: AuditService;
  people: PeopleService;
  projectMembers: ProjectMemberService;
  tasks: TaskService;
  machines: MachineService;
  fleets: FleetService;
  projects: ProjectService;
}

/** How long a claimed outbox row is left alone before another pass may retry it (a replica died mid-send). */
const CLAIM_LEASE_MS = 60_000;
const BATCH = 20;
const SWEEP_MS = 30_000;
/** How long a tenant's bindings, as read, are reused for its notices. */
const BINDINGS_TTL_MS = 2_000;
const LINK_CODE_TTL_MS = 10 * 60_000;
/** Slack: requests older (or newer) than this are refused (replay protection). */
export const SLACK_TIMESTAMP_TOLERANCE_S = 5 * 60;

const HELP =
  "Commands: /link CODE, /status MACHINE, /confirm TASK [option], /cancel TASK, /retry TASK, /drain MACHINE, /undrain MACHINE";

export interface BotCreate {
  name: string;
  provider: ChatProvider;
  token?: string;
  signingSecret?: string;
  url?: string;
}

export interface BindingCreate {
  chatId: string;
  scope?: Binding["scope"];
  scopeId?: string;
  events?: string[];
}

export class ChatBotService {
  /** Earliest next send per chat (`botId:chatId`), this replica's pacing. */
  private readonly nextSendAt = new Map<string, number>();
  /**
   * When this replica next has something due: 0 = now (enqueued, or a full batch), a retry's time, Infinity = nothing
   * known. An idle outbox costs no statement per tick; a sweep every SWEEP_MS still finds rows another replica left
   * (enqueued there, or claimed by one that stopped mid-send).
   */
  private nextDueAt = 0;
  /** Each tenant's bindings as last read (bindingsOf). */
  private readonly bindings = new TtlCache<Binding[]>(BINDINGS_TTL_MS);
  private lastSweepAt = 0;
  /** Woken when the outbox has new rows (the delivery loop). */
  onEnqueued: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly config: ChatBotConfig,
    private readonly deps: ChatBotDeps,
  ) {}

  // ---- Bots -------------------------------------------------------------------------------------------------

  async createBot(tenantId: string, actor: string, input: BotCreate) {
    const credentials: Credentials = {};
    let webhookSecret: string | undefined;
    if (input.provider === "telegram") {
      if (!input.token) throw invalid("invalid body: token: a Telegram bot needs its bot token");
      credentials.token = input.token;
      webhookSecret = newSecret("tgs_").replace(/[^A-Za-z0-9_-]/g, "");
    } else if (input.provider === "slack") {
      if (!input.token || !input.signingSecret)
        throw invalid("invalid body: token and signingSecret: a Slack bot needs its bot token and signing secret");
      credentials.token = input.token;
      credentials.signingSecret = input.signingSecret;
    } else {
      if (!input.url) throw invalid("invalid body: url: a webhook bot needs its target url");
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        throw invalid("invalid body: url: not a URL");
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("invalid body: url: http(s) only");
      credentials.signingSecret = input.signingSecret ?? newSecret("whs_");
    }
    if (input.provider !== "webhook" && input.url) throw invalid("invalid body: url: only for webhook bots");
    const [row] = await this.db
      .insert(chatBots)
      .values({
        id: newId("bot"),
        tenantId,
        name: input.name,
        provider: input.provider,
        url: input.provider === "webhook" ? input.url! : null,
        credentials: await this.box.seal(JSON.stringify(credentials)),
        inboundSecretHash: webhookSecret ? hashSecret(webhookSecret) : null,
      })
      .returning();
    await this.deps.audit.record({ tenantId, actor, action: "chat_bot.create", target: row!.id });
    const view = this.present(row!);
    // Shown once: what the provider must be told (Telegram setWebhook secret_token, webhook HMAC secret).
    return {
      ...view,
      ...(webhookSecret ? { webhookSecret } : {}),
      ...(input.provider === "webhook" && !input.signingSecret ? { signingSecret: credentials.signingSecret } : {}),
    };
  }

  private present(row: Bot) {
    const inbound = row.provider === "webhook" ? null : `${this.config.publicUrl}/api/chat/${row.provider}/${row.id}`;
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      url: row.url,
      inboundUrl: inbound,
      lastDeliveryAt: row.lastDeliveryAt,
      lastError: row.lastError,
      lastErrorAt: row.lastErrorAt,
      createdAt: row.createdAt,
    };
  }

  async listBots(tenantId: string) {
    const rows = await this.db
      .select()
      .from(chatBots)
      .where(eq(chatBots.tenantId, tenantId))
      .orderBy(asc(chatBots.createdAt));
    return { items: rows.map((r) => this.present(r)) };
  }

  private async bot(tenantId: string, id: string): Promise<Bot> {
    const [row] = await this.db
      .select()
      .from(chatBots)
      .where(and(eq(chatBots.id, id), eq(chatBots.tenantId, tenantId)));
    if (!row) throw notFound("bot");
    return row;
  }

  /** Deletes the bot; its bindings, their pending messages and its linked identities go with it (cascade). */
  async deleteBot(tenantId: string, actor: string, id: string) {
    const rows = await this.db
      .delete(chatBots)
      .where(and(eq(chatBots.id, id), eq(chatBots.tenantId, tenantId)))
      .returning({ id: chatBots.id });
    if (rows.length === 0) throw notFound("bot");
    this.bindings.delete(tenantId);
    await this.deps.audit.record({ tenantId, actor, action: "chat_bot.delete", target: id });
    return { id, deleted: true };
  }

  // ---- Bindings ---------------------------------------------------------------------------------------------

  async listBindings(tenantId: string, botId: string) {
    await this.bot(tenantId, botId);
    const rows = await this.db
      .select()
      .from(chatBindings)
      .where(and(eq(chatBindings.botId, botId), eq(chatBindings.tenantId, tenantId)))
      .orderBy(asc(chatBindings.createdAt));
    return { items: rows.map(presentBinding) };
  }

  async createBinding(tenantId: string, actor: string, botId: string, input: BindingCreate) {
    await this.bot(tenantId, botId);
    const scope = input.scope ?? "tenant";
    if (scope === "tenant" && input.scopeId) throw invalid("invalid body: scopeId: not for the tenant scope");
    if (scope !== "tenant" && !input.scopeId) throw invalid(`invalid body: scopeId: required for the ${scope} scope`);
    const scopeId = input.scopeId ? await this.scopeTarget(tenantId, scope, input.scopeId) : null;
    const events = input.events ?? [...NOTICE_KINDS];
    const unknown = events.filter((e) => !(NOTICE_KINDS as readonly string[]).includes(e));
    if (unknown.length > 0) throw invalid(`invalid body: events: unknown event kind ${unknown[0]}`);
    const [row] = await this.db
      .insert(chatBindings)
      .values({
        id: newId("cbd"),
        tenantId,
        botId,
        chatId: input.chatId,
        scope,
        scopeId,
        events: [...new Set(events)],
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw invalid("invalid body: chatId: this chat is already bound to the bot");
    this.bindings.delete(tenantId);
    await this.deps.audit.record({ tenantId, actor, action: "chat_binding.create", target: row.id });
    return presentBinding(row);
  }

  /** The id a binding's scope names: a project (by id or key), machine or fleet of the tenant; 400 otherwise. */
  private async scopeTarget(tenantId: string, scope: Binding["scope"], ref: string): Promise<string> {
    if (scope === "project") {
      const projects = (await this.deps.projects.list(tenantId)) as { id: string; key: string }[];
      const found = projects.find((p) => p.id === ref || p.key === ref);
      if (!found) throw invalid("invalid body: scopeId: no such project");
      return found.id;
    }
    const lookup = scope === "machine" ? this.deps.machines.get(tenantId, ref) : this.deps.fleets.get(tenantId, ref);
    const found = await lookup.catch(() => undefined);
    if (!found) throw invalid(`invalid body: scopeId: no such ${scope}`);
    return ref;
  }

  /** `DELETE /api/admin/bots/:id/bindings` with `{ bindingId }` or `{ chatId }`. */
  async deleteBinding(tenantId: string, actor: string, botId: string, input: { bindingId?: string; chatId?: string }) {
    await this.bot(tenantId, botId);
    if (!input.bindingId && !input.chatId) throw invalid("invalid body: bindingId or chatId required");
    const rows = await this.db
      .delete(chatBindings)
      .where(
        and(
          eq(chatBindings.botId, botId),
          eq(chatBindings.tenantId, tenantId),
          input.bindingId ? eq(chatBindings.id, input.bindingId) : undefined,
          input.chatId ? eq(chatBindings.chatId, input.chatId) : undefined,
        ),
      )
      .returning({ id: chatBindings.id });
    if (rows.length === 0) throw notFound("binding");
    this.bindings.delete(tenantId);
    await this.deps.audit.record({ tenantId, actor, action: "chat_binding.delete", target: rows[0]!.id });
    return { id: rows[0]!.id, deleted: true };
  }

  // ---- Outbox -----------------------------------------------------------------------------------------------

  /**
   * The notification listener: one outbox row per matching binding. Only inserts; delivery is the loop's. No statement
   * when no binding of the tenant matches (its bindings are read at most every BINDINGS_TTL_MS).
   */
  async onNotice(notice: Notice, eventId: string = newId("evt")): Promise<number> {
    return withTenant(notice.tenantId, async () => {
      try {
        return await this.enqueue(notice, eventId);
      } catch {
        // A binding deleted on another replica since they were read (its outbox row refused): read them again.
        this.bindings.delete(notice.tenantId);
        return this.enqueue(notice, eventId);
      }
    });
  }

  private async enqueue(notice: Notice, eventId: string): Promise<number> {
    const matching: Binding[] = [];
    for (const b of await this.bindingsOf(notice.tenantId))
      if (b.events.includes(notice.kind) && (await this.inScope(b, notice))) matching.push(b);
    if (matching.length === 0) return 0;
    const text = messageText(notice);
    const rows = await this.db
      .insert(chatOutbox)
      .values(
        matching.map((b) => ({
          id: newId("cmsg"),
          tenantId: notice.tenantId,
          bindingId: b.id,
          eventId,
          kind: notice.kind,
          text,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: chatOutbox.id });
    if (rows.length > 0) {
      this.nextDueAt = 0;
      this.onEnqueued();
    }
    return rows.length;
  }

  /**
   * The tenant's bindings, reused for BINDINGS_TTL_MS (a burst of notices reads them once) and read again at once
   * after this replica changes them; one changed on another replica counts here within BINDINGS_TTL_MS.
   */
  private bindingsOf(tenantId: string): Promise<Binding[]> {
    return this.bindings.get(tenantId, async () =>
      this.db.select().from(chatBindings).where(eq(chatBindings.tenantId, tenantId)),
    );
  }

  private async inScope(b: Binding, notice: Notice): Promise<boolean> {
    if (b.scope === "tenant") return true;
    if (b.scope === "project") return notice.audience.scope === "project" && notice.audience.projectId === b.scopeId;
    if (b.scope === "machine") return notice.hostId === b.scopeId;
    if (!notice.hostId) return false;
    const hosts = await this.deps.fleets.hosts(notice.tenantId, b.scopeId!, { limit: 1000 }).catch(() => undefined);
    return Boolean(hosts?.items.some((h: { id: string }) => h.id === notice.hostId));
  }

  /** One delivery pass (system context): claims due messages (SKIP LOCKED, leased), sends, records the outcome. */
  async deliverDue(): Promise<boolean> {
    const now = Date.now();
    if (now < this.nextDueAt && now - this.lastSweepAt < SWEEP_MS) return false;
    this.lastSweepAt = now;
    // Set before the claim: a message enqueued meanwhile sets it back to 0.
    this.nextDueAt = Number.POSITIVE_INFINITY;
    const claimed = await this.db.execute(sql`
      update ${chatOutbox} set next_attempt_at = now() + ${`${CLAIM_LEASE_MS} milliseconds`}::interval
      where id in (
        select id from ${chatOutbox}
        where status = 'pending' and next_attempt_at <= now()
        order by next_attempt_at limit ${BATCH}
        for update skip locked)
      returning id`);
    const ids = rowsOf(claimed) as { id: string }[];
    if (ids.length === 0) return false;
    if (ids.length === BATCH) this.nextDueAt = 0;
    const rows = await this.db
      .select({ msg: chatOutbox, binding: chatBindings, bot: chatBots })
      .from(chatOutbox)
      .innerJoin(chatBindings, eq(chatBindings.id, chatOutbox.bindingId))
      .innerJoin(chatBots, eq(chatBots.id, chatBindings.botId))
      .where(
        inArray(
          chatOutbox.id,
          ids.map((r) => r.id),
        ),
      )
      .orderBy(asc(chatOutbox.createdAt), asc(chatOutbox.id));
    const byChat = new Map<string, typeof rows>();
    for (const row of rows) {
      const key = `${row.bot.id}:${row.binding.chatId}`;
      byChat.set(key, [...(byChat.get(key) ?? []), row]);
    }
    await Promise.all([...byChat].map(([key, group]) => this.sendGroup(key, group)));
    return ids.length === BATCH;
  }

  private async sendGroup(
    key: string,
    group: { msg: typeof chatOutbox.$inferSelect; binding: Binding; bot: Bot }[],
  ): Promise<void> {
    for (const { msg, binding, bot } of group) {
      const waitUntil = this.nextSendAt.get(key) ?? 0;
      if (waitUntil > Date.now()) {
        // Paced: this chat had a message too recently; the row comes due again then.
        this.dueAt(waitUntil);
        await this.db
          .update(chatOutbox)
          .set({ nextAttemptAt: new Date(waitUntil) })
          .where(eq(chatOutbox.id, msg.id));
        continue;
      }
      this.nextSendAt.set(key, Date.now() + this.config.perChatIntervalMs);
      let credentials: Credentials;
      try {
        credentials = JSON.parse(await this.box.open(bot.credentials)) as Credentials;
      } catch (err) {
        await this.failed(msg, bot, { retry: false, error: `credentials unreadable: ${(err as Error).message}` });
        continue;
      }
      const result = await send(
        this.config,
        { provider: bot.provider, chatId: binding.chatId, url: bot.url, credentials },
        { eventId: msg.eventId, kind: msg.kind, text: msg.text },
      );
      if (result.ok) {
        const now = new Date();
        await this.db
          .update(chatOutbox)
          .set({ status: "sent", sentAt: now, attempts: msg.attempts + 1, lastError: null })
          .where(eq(chatOutbox.id, msg.id));
        await this.db.update(chatBots).set({ lastDeliveryAt: now }).where(eq(chatBots.id, bot.id));
      } else {
        if (result.retryAfterMs !== undefined)
          this.nextSendAt.set(key, Math.max(this.nextSendAt.get(key) ?? 0, Date.now() + result.retryAfterMs));
        await this.failed(msg, bot, result);
      }
    }
  }

  private async failed(
    msg: typeof chatOutbox.$inferSelect,
    bot: Bot,
    result: { retry: boolean; retryAfterMs?: number; error: string },
  ) {
    const attempts = msg.attempts + 1;
    const backoff = Math.min(this.config.retryBaseMs * 2 ** (attempts - 1), this.config.maxRetryDelayMs);
    const delay = Math.max(backoff, result.retryAfterMs ?? 0);
    const dead = !result.retry || attempts >= this.config.maxAttempts;
    const now = new Date();
    if (!dead) this.dueAt(now.getTime() + delay);
    await this.db
      .update(chatOutbox)
      .set({
        attempts,
        status: dead ? "dead" : "pending",
        nextAttemptAt: new Date(now.getTime() + delay),
        lastError: result.error.slice(0, 500),
      })
      .where(eq(chatOutbox.id, msg.id));
    await this.db
      .update(chatBots)
      .set({ lastError: result.error.slice(0, 500), lastErrorAt: now })
      .where(eq(chatBots.id, bot.id));
  }

  private dueAt(at: number) {
    this.nextDueAt = Math.min(this.nextDueAt, at);
  }

  /** Outbox rows of a binding (tests and diagnostics). */
  async outboxOf(bindingId: string) {
    return this.db
      .select()
      .from(chatOutbox)
      .where(eq(chatOutbox.bindingId, bindingId))
      .orderBy(asc(chatOutbox.createdAt));
  }

  // ---- Linking ----------------------------------------------------------------------------------------------

  /** A one-time code the user sends to a bot as `/link CODE` to link their chat identity. */
  async createLinkCode(tenantId: string, userId: string) {
    const code = newUserCode();
    const expiresAt = new Date(Date.now() + LINK_CODE_TTL_MS);
    await this.db.delete(chatLinkCodes).where(lte(chatLinkCodes.expiresAt, new Date()));
    await this.db.insert(chatLinkCodes).values({ codeHash: hashSecret(code), tenantId, userId, expiresAt });
    return { code, expiresAt };
  }

  private async link(bot: Bot, chatUserId: string, code: string): Promise<string> {
    const [row] = await this.db
      .delete(chatLinkCodes)
      .where(
        and(
          eq(chatLinkCodes.codeHash, hashSecret(code.trim().toUpperCase())),
          eq(chatLinkCodes.tenantId, bot.tenantId),
          gt(chatLinkCodes.expiresAt, new Date()),
        ),
      )
      .returning();
    if (!row) return "That link code is unknown or expired. Create a new one in the console (Profile → Chat link).";
    await this.db
      .insert(chatIdentities)
      .values({ tenantId: bot.tenantId, botId: bot.id, chatUserId, userId: row.userId })
      .onConflictDoUpdate({ target: [chatIdentities.botId, chatIdentities.chatUserId], set: { userId: row.userId } });
    await this.deps.audit.record({
      tenantId: bot.tenantId,
      actor: row.userId,
      action: "chat.link",
      target: bot.id,
      detail: { chatUserId },
    });
    const user = await this.deps.people.byId(row.userId);
    return `Linked: you act as ${user?.username ?? user?.name ?? row.userId} from this chat.`;
  }

  // ---- Inbound ----------------------------------------------------------------------------------------------

  /** The bot an inbound webhook names, with its credentials (system context: the route authenticates itself). */
  private async inboundBot(provider: ChatProvider, id: string) {
    const [bot] = await this.db
      .select()
      .from(chatBots)
      .where(and(eq(chatBots.id, id), eq(chatBots.provider, provider)));
    if (!bot) throw unauthenticated("unknown bot or bad signature");
    return { bot, credentials: JSON.parse(await this.box.open(bot.credentials)) as Credentials };
  }

  /** Telegram update: verified by the secret token header set with setWebhook. */
  async telegramUpdate(botId: string, secretToken: string | null, update: unknown) {
    const [bot] = await this.db
      .select()
      .from(chatBots)
      .where(and(eq(chatBots.id, botId), eq(chatBots.provider, "telegram")));
    if (!bot?.inboundSecretHash || !secretToken || !secretMatches(secretToken, bot.inboundSecretHash))
      throw unauthenticated("unknown bot or bad secret token");
    const message = (update as { message?: { text?: unknown; from?: { id?: unknown }; chat?: { id?: unknown } } })
      ?.message;
    const text = typeof message?.text === "string" ? message.text : undefined;
    const from = message?.from?.id;
    const chat = message?.chat?.id;
    if (
      !text ||
      (typeof from !== "number" && typeof from !== "string") ||
      (typeof chat !== "number" && typeof chat !== "string")
    )
      return { ok: true };
    const reply = await this.command(bot, String(chat), String(from), text);
    if (reply) this.reply(bot, String(chat), reply);
    return { ok: true };
  }

  /** Slack Events API request: signature v0 over the raw body, timestamp within 5 minutes. */
  async slackEvent(
    botId: string,
    headers: { timestamp: string | null; signature: string | null; retry: string | null },
    rawBody: string,
  ) {
    const { bot, credentials } = await this.inboundBot("slack", botId);
    const ts = Number(headers.timestamp);
    if (!headers.timestamp || !Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > SLACK_TIMESTAMP_TOLERANCE_S)
      throw unauthenticated("stale or missing request timestamp");
    const expected = Buffer.from(slackSignature(credentials.signingSecret ?? "", headers.timestamp, rawBody));
    const given = Buffer.from(headers.signature ?? "");
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw unauthenticated("bad request signature");
    let body: { type?: string; challenge?: string; event?: Record<string, unknown> };
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw invalid("invalid request body: not JSON");
    }
    if (body.type === "url_verification") return { challenge: String(body.challenge ?? "") };
    // Slack resends an event it thinks we missed: the first delivery has acted on it already.
    if (headers.retry) return { ok: true };
    const event = body.event;
    if (body.type !== "event_callback" || !event || event.type !== "message" || event.bot_id || event.subtype)
      return { ok: true };
    const { text, user, channel } = event as { text?: unknown; user?: unknown; channel?: unknown };
    if (typeof text !== "string" || typeof user !== "string" || typeof channel !== "string") return { ok: true };
    const reply = await this.command(bot, channel, user, text);
    if (reply) this.reply(bot, channel, reply);
    return { ok: true };
  }

  /** Answers in the chat, off the request path (a slow provider does not hold the webhook). */
  private reply(bot: Bot, chatId: string, text: string) {
    void (async () => {
      const credentials = JSON.parse(await this.box.open(bot.credentials)) as Credentials;
      await send(
        this.config,
        { provider: bot.provider, chatId, url: bot.url, credentials },
        {
          eventId: newId("reply"),
          kind: "reply",
          text,
        },
      );
    })().catch(() => {});
  }

  /** A chat message: `/link`, or a command of a linked user from a bound chat. Returns the reply. */
  async command(bot: Bot, chatId: string, chatUserId: string, text: string): Promise<string | undefined> {
    const [rawVerb, ...args] = text.trim().split(/\s+/);
    if (!rawVerb?.startsWith("/")) return undefined;
    const verb = rawVerb.slice(1).split("@")[0]!.toLowerCase();
    return withTenant(bot.tenantId, async () => {
      if (verb === "link") return args[0] ? this.link(bot, chatUserId, args[0]) : "Usage: /link CODE";
      if (verb === "help" || verb === "start") return HELP;
      const [bound] = await this.db
        .select({ id: chatBindings.id })
        .from(chatBindings)
        .where(and(eq(chatBindings.botId, bot.id), eq(chatBindings.chatId, chatId)));
      if (!bound) return "This chat is not bound to the orchestrator; an admin can bind it.";
      const [identity] = await this.db
        .select()
        .from(chatIdentities)
        .where(and(eq(chatIdentities.botId, bot.id), eq(chatIdentities.chatUserId, chatUserId)));
      const user = identity ? await this.deps.people.byId(identity.userId) : undefined;
      if (!user || user.disabledAt || user.tenantId !== bot.tenantId)
        return "Sorry, I don't know who you are yet. Create a link code in the console (Profile → Chat link) and send /link CODE here.";
      try {
        return await this.act(bot, user, verb, args);
      } catch (err) {
        if (isDomainError(err)) return `Refused: ${err.message}`;
        throw err;
      }
    });
  }

  private async act(
    bot: Bot,
    user: { id: string; role: string; isSuperadmin: boolean },
    verb: string,
    args: string[],
  ): Promise<string> {
    const tenantId = bot.tenantId;
    const admin = user.role === "admin" || user.isSuperadmin;
    const audit = (action: string, target: string, detail: Record<string, unknown> = {}) =>
      this.deps.audit.record({
        tenantId,
        actor: user.id,
        action,
        target,
        detail: { via: "chat", botId: bot.id, ...detail },
      });
    const machine = async (ref: string | undefined) => {
      if (!ref) throw invalid(`usage: /${verb} MACHINE`);
      const found = await this.deps.machines.get(tenantId, ref).catch(async () => {
        const { items } = { items: await this.deps.machines.list(tenantId) };
        const byName = items.find((m: { name: string }) => m.name === ref);
        if (!byName) throw notFound("machine");
        return byName;
      });
      return found as { id: string; name: string; status: string; draining: boolean };
    };
    const taskAllowed = async (taskId: string | undefined) => {
      if (!taskId) throw invalid(`usage: /${verb} TASK`);
      const task = await this.deps.tasks.get(tenantId, taskId);
      if (admin) return task;
      const role = task.projectId ? await this.deps.projectMembers.roleOnProjectId(user.id, task.projectId) : undefined;
      if (!role) throw notFound("task");
      if (!projectRoleCovers(role, "developer")) throw forbidden("project developer role required");
      return task;
    };
    switch (verb) {
      case "status": {
        const m = await machine(args[0]);
        return `${m.name}: ${m.status}${m.draining ? " (draining)" : ""}`;
      }
      case "drain":
      case "undrain": {
        if (!admin) throw forbidden("tenant admin role required");
        const m = await machine(args[0]);
        const after =
          verb === "drain"
            ? await this.deps.machines.drain(tenantId, m.id)
            : await this.deps.machines.undrain(tenantId, m.id);
        await audit(`machine.${verb}`, m.id);
        return `${after.name}: ${verb === "drain" ? "draining" : "accepting tasks"}`;
      }
      case "confirm": {
        const task = await taskAllowed(args[0]);
        const pending = await this.deps.tasks.execution.pendingConfirm(tenantId, task.id);
        const options = (pending.options as string[] | null) ?? null;
        const choice = args.slice(1).join(" ");
        if (options && !choice) return `Choose one: /confirm ${task.id} ${options.join(" | ")}`;
        const result = choice || "confirmed";
        await this.deps.tasks.execution.confirmStage(tenantId, task.id, { stageIndex: pending.stageIndex, result });
        await audit("task.confirm_stage", task.id, { stage: pending.stageName, result });
        return `Task ${task.id}: ${pending.stageName} confirmed (${result})`;
      }
      case "cancel": {
        const task = await taskAllowed(args[0]);
        await this.deps.tasks.execution.cancel(tenantId, task.id);
        await audit("task.cancel", task.id);
        return `Task ${task.id} cancelled`;
      }
      case "retry": {
        const task = await taskAllowed(args[0]);
        const retried = await this.deps.tasks.execution.retry(tenantId, task.id);
        await audit("task.retry", task.id);
        return `Task ${task.id} retried (${retried.id})`;
      }
      default:
        return `Unknown command /${verb}. ${HELP}`;
    }
  }
}

function presentBinding(row: Binding) {
  const { tenantId: _t, ...rest } = row;
  return rest;
}

function messageText(notice: Notice): string {
  const lines = [notice.title];
  if (notice.body) lines.push(notice.body);
  if (notice.taskId) {
    lines.push(`task ${notice.taskId}`);
    if (notice.kind === "task.awaiting_confirmation") lines.push(`Reply /confirm ${notice.taskId} [option]`);
    if (notice.kind === "task.failed") lines.push(`Reply /retry ${notice.taskId}`);
  }
  if (notice.hostId) lines.push(`machine ${notice.hostId}`);
  return lines.join("\n");
}
