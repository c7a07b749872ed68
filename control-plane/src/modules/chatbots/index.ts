/**
 * Chat bot routes: admin bots and bindings (`/api/admin/bots`), one's chat link code
 * (`POST /api/web/profile/chat-link`), and the providers' inbound webhooks (`/api/chat/telegram/:id`,
 * `/api/chat/slack/:id`), public routes that verify the provider's secret or signature themselves.
 */
import { Elysia } from "elysia";
import { IdParams } from "../../http/params";
import { Deleted, Items, responses } from "../../http/responses";
import { invalid } from "../../lib/errors";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import {
  BindingCreateBody,
  BindingDeleteBody,
  BindingView,
  BotCreateBody,
  BotCreated,
  BotView,
  ChatLinkView,
  InboundAnswer,
} from "./model";

export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

export const chatBotsController = ({ authenticator, chatbots }: Services) =>
  new Elysia({ prefix: "/api/admin/bots", tags: ["chat bots"] })
    .use(requireUser(authenticator))
    .get("/", ({ principal }) => chatbots.listBots(principal.tenantId), {
      response: responses({ 200: Items(BotView) }),
    })
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return chatbots.createBot(principal.tenantId, principal.userId, body);
      },
      { body: BotCreateBody, response: responses({ 201: BotCreated }) },
    )
    .delete("/:id", ({ principal, params }) => chatbots.deleteBot(principal.tenantId, principal.userId, params.id), {
      params: IdParams,
      response: responses({ 200: Deleted }),
    })
    .get("/:id/bindings", ({ principal, params }) => chatbots.listBindings(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: Items(BindingView) }),
    })
    .post(
      "/:id/bindings",
      ({ principal, params, body, set }) => {
        set.status = 201;
        return chatbots.createBinding(principal.tenantId, principal.userId, params.id, body);
      },
      { params: IdParams, body: BindingCreateBody, response: responses({ 201: BindingView }) },
    )
    .delete(
      "/:id/bindings",
      ({ principal, params, body }) => chatbots.deleteBinding(principal.tenantId, principal.userId, params.id, body),
      { params: IdParams, body: BindingDeleteBody, response: responses({ 200: Deleted }) },
    );

export const chatLinkController = ({ authenticator, chatbots }: Services) =>
  new Elysia({ prefix: "/api/web/profile", tags: ["profile"] }).use(requireUser(authenticator)).post(
    "/chat-link",
    ({ principal, set }) => {
      set.status = 201;
      return chatbots.createLinkCode(principal.tenantId, principal.userId);
    },
    { response: responses({ 201: ChatLinkView }) },
  );

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid("invalid request body: not JSON");
  }
};

export const chatInboundController = ({ chatbots }: Services) =>
  new Elysia({ prefix: "/api/chat", tags: ["chat bots"] })
    .post(
      "/telegram/:id",
      async ({ params, request }) =>
        chatbots.telegramUpdate(
          params.id,
          request.headers.get(TELEGRAM_SECRET_HEADER),
          parseJson(new TextDecoder().decode(await request.arrayBuffer())),
        ),
      { params: IdParams, parse: "none", response: responses({ 200: InboundAnswer }), detail: { security: [] } },
    )
    .post(
      "/slack/:id",
      async ({ params, request }) =>
        chatbots.slackEvent(
          params.id,
          {
            timestamp: request.headers.get("x-slack-request-timestamp"),
            signature: request.headers.get("x-slack-signature"),
            retry: request.headers.get("x-slack-retry-num"),
          },
          new TextDecoder().decode(await request.arrayBuffer()),
        ),
      { params: IdParams, parse: "none", response: responses({ 200: InboundAnswer }), detail: { security: [] } },
    );
