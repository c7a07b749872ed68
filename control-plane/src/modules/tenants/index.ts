import { Elysia, t } from "elysia";
import { Items, Obj, Resource, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireAdmin, requireUser } from "../auth/authenticate";

export const tenantsController = ({ authenticator, tenants }: Services) =>
  new Elysia({ tags: ["tenants"] })
    .use(requireUser(authenticator))
    .post(
      "/api/v1/tenants",
      ({ principal, body, set }) => {
        set.status = 201;
        return tenants.create(principal, body.name, body.adminName);
      },
      {
        response: responses({
          201: Obj({
            tenant: Resource("the tenant"),
            user: Resource("its first admin"),
            apiKey: Resource("its first API key (shown once)", { key: t.String() }),
          }),
        }),
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 200 }),
          adminName: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
        }),
      },
    )
    .get("/api/v1/tenants", async ({ principal }) => ({ items: await tenants.list(principal) }), {
      response: responses({ 200: Items(Resource("a tenant", { name: t.String() })) }),
    })
    .get("/api/users/me", ({ principal }) => tenants.me(principal), {
      response: responses({
        200: Resource("the calling user", { tenantId: t.String(), name: t.String(), via: t.String() }),
      }),
    });

/** The caller's tenant's telemetry settings: retention in days (1 to 3650); changing them is for admins. */
const TelemetrySettings = t.Object({ retentionDays: t.Integer({ minimum: 1, maximum: 3650 }) });

export const telemetrySettingsController = ({ authenticator, tenants }: Services) =>
  new Elysia({ prefix: "/api/v1/settings/telemetry", tags: ["tenants"] })
    .use(requireAdmin(authenticator))
    .get("/", ({ principal }) => tenants.telemetrySettings(principal.tenantId), {
      response: responses({ 200: TelemetrySettings }),
    })
    .put("/", ({ principal, body }) => tenants.setTelemetrySettings(principal.tenantId, body), {
      body: TelemetrySettings,
      response: responses({ 200: TelemetrySettings }),
    });
