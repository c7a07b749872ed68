/**
 * MQTT consumers: keys (`/api/v1/consumer-keys`), the tenant's JSON-mirror setting (`/api/v1/consumers/settings`),
 * both for the tenant's admins; the generated Mosquitto configuration for installation admins.
 */
import { Elysia } from "elysia";
import { forbidden } from "../../lib/errors";
import { IdParams } from "../../http/params";
import type { Services } from "../../services";
import { requireAdmin } from "../auth/authenticate";
import { ConsumerKeyCreateBody, ConsumerSettingsBody } from "./model";

export const consumersController = ({ authenticator, consumers, config }: Services) =>
  new Elysia({ tags: ["consumers"] })
    .use(requireAdmin(authenticator))
    .post(
      "/api/v1/consumer-keys",
      async ({ principal, body, set }) => {
        set.status = 201;
        return consumers.create(principal, body.name);
      },
      { body: ConsumerKeyCreateBody },
    )
    .get("/api/v1/consumer-keys", async ({ principal }) => ({ items: await consumers.list(principal.tenantId) }))
    .delete("/api/v1/consumer-keys/:id", ({ principal, params }) => consumers.revoke(principal, params.id), {
      params: IdParams,
    })
    .get("/api/v1/consumers/settings", ({ principal }) => consumers.settings(principal.tenantId))
    .put("/api/v1/consumers/settings", ({ principal, body }) => consumers.updateSettings(principal, body), {
      body: ConsumerSettingsBody,
    })
    .get("/api/admin/mqtt/mosquitto-config", ({ principal }) => {
      // Spans every tenant: the installation's admins only.
      if (!principal.isSuperadmin) throw forbidden("only installation admins export the broker configuration");
      const { mqttUsername: username, mqttPassword: password } = config;
      return consumers.brokerConfig(username && password ? { username, password } : undefined);
    });
