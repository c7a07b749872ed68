/**
 * `GET /api/web/events`: the caller's live updates as Server-Sent Events (modules/live/service.ts). Authenticated
 * like every web route (`Authorization: Bearer`; browsers read it with `fetch`, whose requests can carry the header,
 * rather than `EventSource`, whose cannot). `?task=` follows one task's output lines, `?host=` one host's commands;
 * both must be visible to the caller (404 otherwise, as their own routes answer).
 */
import { Elysia, t } from "elysia";
import { responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { withoutIdleTimeout } from "../../http/idle-timeout";

const Id = t.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9_-]+$" });

export const liveController = ({ authenticator, live, tasks, hosts, projectMembers, config }: Services) =>
  new Elysia({ tags: ["live"] }).use(requireUser(authenticator)).get(
    "/api/web/events",
    async ({ principal, query, request, server }) => {
      if (query.task) await tasks.get(principal.tenantId, query.task, projectMembers.scopeOf(principal));
      if (query.host) await hosts.get(principal.tenantId, query.host);
      // Heartbeats keep it busy: the server's idle timeout (HTTP_IDLE_TIMEOUT_SECONDS) is lifted while it lasts (it
      // would cut a quiet stream) and put back when it ends (`bye`), for the connection the client may keep.
      return withoutIdleTimeout(server, request, config.httpIdleTimeoutSeconds, () =>
        live.open(
          principal,
          request.headers.get("authorization") ?? "",
          { taskId: query.task, hostId: query.host },
          principal.expiresAt,
        ),
      );
    },
    {
      query: t.Object({ task: t.Optional(Id), host: t.Optional(Id) }),
      response: responses({
        200: t.String({
          description:
            "text/event-stream: events ready, machine, task, log, command, notification, resync, bye; comment heartbeats",
        }),
      }),
      detail: { summary: "Live updates (Server-Sent Events)" },
    },
  );
