/** `GET /api/web/search?q=` (worker-orchestrator-rest-api.txt): machines, tasks and projects matching `q`. */
import { Elysia, t } from "elysia";
import { Obj, responses, Timestamp } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";

const SearchQuery = t.Object({
  q: t.String({ minLength: 1, maxLength: 200 }),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 50 })),
});

const Hit = (properties: Parameters<typeof Obj>[0]) => Obj({ id: t.String(), rank: t.Number(), ...properties });

export const SearchResults = Obj({
  query: t.String(),
  machines: t.Array(Hit({ type: t.Literal("machine"), name: t.String(), status: t.String() })),
  tasks: t.Array(
    Hit({
      type: t.Literal("task"),
      title: t.String(),
      status: t.String(),
      projectKey: t.Nullable(t.String()),
      createdAt: Timestamp,
    }),
  ),
  projects: t.Array(Hit({ type: t.Literal("project"), key: t.String(), name: t.String() })),
});

export const searchController = ({ authenticator, search }: Services) =>
  new Elysia({ tags: ["search"] })
    .use(requireUser(authenticator))
    .get("/api/web/search", ({ principal, query }) => search.search(principal, query.q, query.limit ?? 10), {
      query: SearchQuery,
      response: responses({ 200: SearchResults }),
    });
