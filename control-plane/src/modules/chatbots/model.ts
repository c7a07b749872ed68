import { t } from "elysia";
import { oneOf } from "../../http/params";
import { Obj, OptionalTimestamp, Timestamp } from "../../http/responses";
import { CHAT_PROVIDERS, CHAT_SCOPES } from "../../db/schema";
import { NOTICE_KINDS } from "../notifications/service";

const Secret = t.String({ minLength: 1, maxLength: 500 });

export const BotCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 100 }),
  provider: oneOf(CHAT_PROVIDERS),
  /** Telegram bot token, Slack bot token (xoxb-...). Encrypted at rest, never returned. */
  token: t.Optional(Secret),
  /** Slack signing secret; webhook HMAC secret (generated and shown once when absent). */
  signingSecret: t.Optional(Secret),
  /** Webhook target. */
  url: t.Optional(t.String({ minLength: 1, maxLength: 2000 })),
});

export const BotView = Obj(
  {
    id: t.String(),
    name: t.String(),
    provider: t.String({ description: CHAT_PROVIDERS.join(", ") }),
    url: t.Nullable(t.String()),
    inboundUrl: t.Nullable(t.String({ description: "where the provider posts chat messages (Telegram, Slack)" })),
    lastDeliveryAt: OptionalTimestamp,
    lastError: t.Nullable(t.String()),
    lastErrorAt: OptionalTimestamp,
    createdAt: Timestamp,
  },
  { description: "a chat bot instance (credentials are never returned)" },
);

export const BotCreated = Obj(
  {
    ...BotView.properties,
    webhookSecret: t.Optional(t.String({ description: "Telegram: the setWebhook secret_token; shown once" })),
    signingSecret: t.Optional(t.String({ description: "webhook: the generated HMAC secret; shown once" })),
  },
  { description: "the new bot, with the secrets shown this once" },
);

export const BindingCreateBody = t.Object({
  chatId: t.String({ minLength: 1, maxLength: 200 }),
  scope: t.Optional(oneOf(CHAT_SCOPES)),
  /** Project, machine or fleet id (not for the tenant scope). */
  scopeId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  /** Notice kinds; all of them when absent. */
  events: t.Optional(t.Array(oneOf(NOTICE_KINDS), { minItems: 1, maxItems: NOTICE_KINDS.length })),
});

export const BindingDeleteBody = t.Object({
  bindingId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  chatId: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
});

export const BindingView = Obj(
  {
    id: t.String(),
    botId: t.String(),
    chatId: t.String(),
    scope: t.String({ description: CHAT_SCOPES.join(", ") }),
    scopeId: t.Nullable(t.String()),
    events: t.Array(t.String()),
    createdAt: Timestamp,
  },
  { description: "a chat bound to a bot, a scope and event kinds" },
);

export const ChatLinkView = Obj({
  code: t.String({ description: "send `/link CODE` to the bot; valid 10 minutes, once" }),
  expiresAt: Timestamp,
});

export const InboundAnswer = Obj({
  ok: t.Optional(t.Boolean()),
  challenge: t.Optional(t.String({ description: "Slack url_verification" })),
});
