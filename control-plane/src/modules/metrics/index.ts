/** `GET /metrics`: Prometheus text (installation admins; scrape with `authorization: Bearer <key>`). */
import { Elysia, t } from "elysia";
import { responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";

export const metricsController = ({ authenticator, metrics }: Services) =>
  new Elysia({ tags: ["metrics"] }).use(requireUser(authenticator)).get(
    "/metrics",
    async ({ set }) => {
      set.headers["content-type"] = metrics.contentType;
      return metrics.render();
    },
    { response: responses({ 200: t.String({ description: "Prometheus text exposition format" }) }) },
  );
