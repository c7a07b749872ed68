/** Routes: the caller's profile, password, TOTP and personal access tokens; tenant admins' developer management. */
import { Elysia, t } from "elysia";
import { Items, responses } from "../../http/responses";
import {
  ApiKeyView,
  DeveloperSummary,
  NewPersonalToken,
  PasswordChanged,
  TotpSetupView,
  TotpState,
  UserView,
} from "./model";
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
    .get("/", ({ principal }) => people.profile(principal), { response: responses({ 200: UserView }) })
    .put("/", ({ principal, body }) => people.updateProfile(principal, body), {
      response: responses({ 200: UserView }),
      body: t.Object({ gitName: t.Optional(GitName), gitEmail: t.Optional(Email) }),
    })
    .put(
      "/password",
      ({ principal, body }) => people.changePassword(principal, body.currentPassword, body.newPassword),
      {
        response: responses({ 200: PasswordChanged }),
        body: t.Object({ currentPassword: t.Optional(Password), newPassword: Password }),
      },
    )
    .post("/totp/setup", ({ principal }) => people.totpSetup(principal), {
      response: responses({ 200: TotpSetupView }),
    })
    .post("/totp/verify", ({ principal, body }) => people.totpVerify(principal, body.code), {
      response: responses({ 200: TotpState }),
      body: t.Object({ code: t.String({ minLength: 1, maxLength: 12 }) }),
    })
    .get("/tokens", async ({ principal }) => ({ items: await apiKeys.listForUser(principal.userId) }), {
      response: responses({ 200: Items(ApiKeyView) }),
    })
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
        response: responses({ 201: NewPersonalToken }),
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
      { response: responses({ 200: ApiKeyView }), params: IdParams },
    );

export const developersController = ({ authenticator, people }: Services) =>
  new Elysia({ tags: ["admin"] })
    .use(requireUser(authenticator))
    .get("/api/admin/developers", async ({ principal }) => ({ items: await people.list(principal.tenantId) }), {
      response: responses({ 200: Items(UserView) }),
    })
    .post(
      "/api/admin/developers",
      async ({ principal, body, set }) => {
        const user = await people.createDeveloper(principal, body);
        set.status = 201;
        return user;
      },
      {
        response: responses({ 201: UserView }),
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
        response: responses({ 200: UserView }),
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
      response: responses({ 200: TotpState }),
      params: IdParams,
    })
    .get(
      "/api/web/projects/-/developers",
      async ({ principal }) => ({
        items: (await people.list(principal.tenantId)).map(({ id, name, gitEmail, role }) => ({
          id,
          name,
          gitEmail,
          role,
        })),
      }),
      { response: responses({ 200: Items(DeveloperSummary) }) },
    );
