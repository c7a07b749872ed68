import { Elysia } from "elysia";
import { Deleted, Page, responses } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { TransitionBody } from "../../http/work-item-model";
import { requireUser } from "../auth/authenticate";
import { invalid } from "../../lib/errors";
import { CommandCreateBody, CommandListQuery, CommandView } from "./model";

export const commandsController = ({ authenticator, commands }: Services) =>
  new Elysia({ prefix: "/api/v1/commands", tags: ["commands"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      async ({ principal, body, headers, set }) => {
        const key = headers["idempotency-key"];
        if (key === undefined) {
          set.status = 201;
          return commands.create(principal.tenantId, body);
        }
        if (!/^[\x21-\x7e]{1,255}$/.test(key))
          throw invalid("Idempotency-Key must be 1 to 255 visible ASCII characters");
        const { command, replayed } = await commands.createOnce(principal.tenantId, key, body);
        set.status = replayed ? 200 : 201;
        return command;
      },
      { body: CommandCreateBody, response: responses({ 200: CommandView, 201: CommandView }) },
    )
    .get("/", ({ principal, query }) => commands.list(principal.tenantId, query), {
      query: CommandListQuery,
      response: responses({ 200: Page(CommandView) }),
    })
    .get("/:id", ({ principal, params }) => commands.get(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: CommandView }),
    })
    .post(
      "/:id/transition",
      ({ principal, params, body }) => commands.transition(principal.tenantId, params.id, body),
      {
        params: IdParams,
        body: TransitionBody,
        response: responses({ 200: CommandView }),
      },
    )
    .delete("/:id", ({ principal, params }) => commands.remove(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: Deleted }),
    });
