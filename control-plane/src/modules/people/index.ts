/** Routes: the caller's profile, password, TOTP and personal access tokens; tenant admins' developer management. */
import { Elysia, t } from "elysia";
import { IdParams } from "../../http/params";
import type { Services } from "../../services";
import { parseExpiry } from "../auth/api-keys";
import { requireUser } from "../auth/authenticate";
import { oneOf } from "../../http/params";

const Name = t.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9._@-]+$" });
const Password = t.String({ minLength: 1, maxLength: 1024 });
const GitName = t.String({ minLength: 1, maxLength: 200 });
const Email = t.String({ minLength: 3, maxLength: 320, pattern: "^[^@\\s]+@[^@\\s]+$" });
const TenantRole = oneOf(["admin", "member"] as const);

export const profileController = ({ authenticator, people, apiKeys, audit }: Services) =>
  new Elysia({ prefix: "/api/web/profile", tags: ["profile"] })
    .use(requireUser(authenticator))
    .get("/", ({ principal }) => people.profile(principal))
    .put("/", ({ principal, body }) => people.updateProfile(principal, body), {
      body: t.Object({ gitName: t.Optional(GitName), gitEmail: t.Optional(Email) }),
    })
    .put(
      "/password",
      ({ principal, body }) => people.changePassword(principal, body.currentPassword, body.newPassword),
      { body: t.Object({ currentPassword: t.Optional(Password), newPassword: Password }) },
    )
    .post("/totp/setup", ({ principal }) => people.totpSetup(principal))
    .post("/totp/verify", ({ principal, body }) => people.totpVerify(principal, body.code), {
      body: t.Object({ code: t.String({ minLength: 1, maxLength: 12 }) }),
    })
    .get("/tokens", async ({ principal }) => ({ items: await apiKeys.listForUser(principal.userId) }))
    .post(
      "/tokens",
      async ({ principal, body, set }) => {
        const token = await apiKeys.create(principal, body.label, { expiresAt: parseExpiry(body.expiresAt) });
        await audit.record({
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "token.create",
          target: token.id,
          detail: { personal: true, expiresAt: token.expiresAt },
        });
        set.status = 201;
        return { ...token, token: token.key };
      },
      {
        body: t.Object({
          label: t.String({ minLength: 1, maxLength: 200 }),
          expiresAt: t.Optional(t.String({ minLength: 1, maxLength: 40 })),
        }),
      },
    )
    .post(
      "/tokens/:id/revoke",
      async ({ principal, params }) => {
        const token = await apiKeys.revoke(principal.tenantId, params.id, principal.userId);
        await audit.record({
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "token.revoke",
          target: token.id,
          detail: { personal: true },
        });
        return token;
      },
      { params: IdParams },
    );

export const developersController = ({ authenticator, people }: Services) =>
  new Elysia({ tags: ["admin"] })
    .use(requireUser(authenticator))
    .get("/api/admin/developers", async ({ principal }) => ({ items: await people.list(principal.tenantId) }))
    .post(
      "/api/admin/developers",
      async ({ principal, body, set }) => {
        const user = await people.createDeveloper(principal, body);
        set.status = 201;
        return user;
      },
      {
        body: t.Object({
          name: Name,
          password: Password,
          role: t.Optional(TenantRole),
          gitName: t.Optional(GitName),
          gitEmail: t.Optional(Email),
          email: t.Optional(Email),
        }),
      },
    )
    .put(
      "/api/admin/developers/:id",
      ({ principal, params, body }) => people.updateDeveloper(principal, params.id, body),
      {
        params: IdParams,
        body: t.Object({
          name: t.Optional(Name),
          role: t.Optional(TenantRole),
          password: t.Optional(Password),
          gitName: t.Optional(GitName),
          gitEmail: t.Optional(Email),
          email: t.Optional(Email),
          disabled: t.Optional(t.Boolean()),
        }),
      },
    )
    .put("/api/admin/developers/:id/reset-totp", ({ principal, params }) => people.totpReset(principal, params.id), {
      params: IdParams,
    })
    .get("/api/web/projects/-/developers", async ({ principal }) => ({
      items: (await people.list(principal.tenantId)).map(({ id, name, gitEmail, role }) => ({
        id,
        name,
        gitEmail,
        role,
      })),
    }));
