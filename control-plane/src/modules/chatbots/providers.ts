/**
 * Outgoing calls to the chat providers: Telegram Bot API `sendMessage`, Slack Web API `chat.postMessage`, and a
 * generic webhook POST signed with HMAC-SHA256. Each answers whether the message went, and if not whether to retry
 * (429, 5xx, network) and after how long the provider asked for (Telegram `retry_after`, HTTP `Retry-After`).
 */
import { createHmac } from "node:crypto";

export interface Credentials {
  /** Telegram bot token, Slack bot token (xoxb-...). */
  token?: string;
  /** Slack signing secret, webhook HMAC secret. */
  signingSecret?: string;
}

export interface Target {
  provider: "telegram" | "slack" | "webhook";
  chatId: string;
  url: string | null;
  credentials: Credentials;
}

export type SendResult = { ok: true } | { ok: false; retry: boolean; retryAfterMs?: number; error: string };

export interface ProviderUrls {
  telegramApiUrl: string;
  slackApiUrl: string;
  timeoutMs: number;
}

/** Header carrying the generic webhook's signature: `sha256=<hex HMAC of "<timestamp>.<body>">`. */
export const WEBHOOK_SIGNATURE_HEADER = "X-Edge-Signature";
export const WEBHOOK_TIMESTAMP_HEADER = "X-Edge-Timestamp";

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

const retryAfterHeader = (res: Response): number | undefined => {
  const value = res.headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

const transient = (status: number) => status === 429 || status >= 500;

export async function send(
  urls: ProviderUrls,
  target: Target,
  message: { eventId: string; kind: string; text: string },
): Promise<SendResult> {
  try {
    if (target.provider === "telegram") return await sendTelegram(urls, target, message.text);
    if (target.provider === "slack") return await sendSlack(urls, target, message.text);
    return await sendWebhook(urls, target, message);
  } catch (err) {
    return { ok: false, retry: true, error: `request failed: ${(err as Error).message}` };
  }
}

async function sendTelegram(urls: ProviderUrls, target: Target, text: string): Promise<SendResult> {
  const res = await fetch(`${urls.telegramApiUrl}/bot${target.credentials.token}/sendMessage`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ chat_id: target.chatId, text }),
    signal: AbortSignal.timeout(urls.timeoutMs),
  });
  const body = (await res.json().catch(() => ({}))) as {
    ok?: boolean;
    description?: string;
    parameters?: { retry_after?: number };
  };
  if (res.ok && body.ok) return { ok: true };
  const retryAfter = body.parameters?.retry_after;
  return {
    ok: false,
    retry: transient(res.status),
    retryAfterMs: typeof retryAfter === "number" ? retryAfter * 1000 : retryAfterHeader(res),
    error: `telegram ${res.status}: ${body.description ?? res.statusText}`,
  };
}

async function sendSlack(urls: ProviderUrls, target: Target, text: string): Promise<SendResult> {
  const res = await fetch(`${urls.slackApiUrl}/chat.postMessage`, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${target.credentials.token}` },
    body: JSON.stringify({ channel: target.chatId, text }),
    signal: AbortSignal.timeout(urls.timeoutMs),
  });
  const body = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: string };
  if (res.ok && body.ok) return { ok: true };
  return {
    ok: false,
    retry: transient(res.status) || body.error === "ratelimited",
    retryAfterMs: retryAfterHeader(res),
    error: `slack ${res.status}: ${body.error ?? res.statusText}`,
  };
}

async function sendWebhook(
  urls: ProviderUrls,
  target: Target,
  message: { eventId: string; kind: string; text: string },
): Promise<SendResult> {
  const body = JSON.stringify({
    eventId: message.eventId,
    kind: message.kind,
    chatId: target.chatId,
    text: message.text,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(target.url!, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
      [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(target.credentials.signingSecret ?? "", timestamp, body),
    },
    body,
    signal: AbortSignal.timeout(urls.timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return { ok: true };
  return {
    ok: false,
    retry: transient(res.status),
    retryAfterMs: retryAfterHeader(res),
    error: `webhook ${res.status}`,
  };
}

/** Slack request signature v0: `v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}
