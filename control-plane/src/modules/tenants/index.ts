import { Elysia, t } from "elysia";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";

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
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 200 }),
          adminName: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
        }),
      },
    )
    .get("/api/v1/tenants", async ({ principal }) => ({ items: await tenants.list(principal) }))
    .get("/api/users/me", ({ principal }) => tenants.me(principal));
