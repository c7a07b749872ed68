/** `GET /api/web/dashboard/stats`, `/recent-tasks`, `/recent-activity` (worker-orchestrator-rest-api.txt). */
import { Elysia, t } from "elysia";
import { Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { NotificationView } from "../notifications/model";
import { TaskView } from "../tasks/model";

const LimitQuery = t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 100 })) });
const Counts = t.Record(t.String(), t.Integer());

export const DashboardStats = Obj({
  tasks: Obj({
    total: t.Integer(),
    active: t.Integer(),
    pending: t.Integer(),
    awaitingConfirmation: t.Integer(),
    byStatus: Counts,
    averageDurationMs: t.Nullable(t.Number()),
  }),
  machines: Obj({ total: t.Integer(), online: t.Integer(), offline: t.Integer(), byStatus: Counts }),
  notifications: Obj({ unread: t.Integer() }),
});

export const dashboardController = ({ authenticator, dashboard }: Services) =>
  new Elysia({ prefix: "/api/web/dashboard", tags: ["dashboard"] })
    .use(requireUser(authenticator))
    .get("/stats", ({ principal }) => dashboard.stats(principal), { response: responses({ 200: DashboardStats }) })
    .get("/recent-tasks", ({ principal, query }) => dashboard.recentTasks(principal, query.limit ?? 10), {
      query: LimitQuery,
      response: responses({ 200: Obj({ items: t.Array(TaskView) }) }),
    })
    .get("/recent-activity", ({ principal, query }) => dashboard.recentActivity(principal, query.limit ?? 20), {
      query: LimitQuery,
      response: responses({ 200: Obj({ items: t.Array(NotificationView) }) }),
    });
