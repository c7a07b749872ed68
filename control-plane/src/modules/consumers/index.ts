/**
 * MQTT consumers: keys (`/api/v1/consumer-keys`), the tenant's JSON-mirror setting (`/api/v1/consumers/settings`),
 * both for the tenant's admins; the generated Mosquitto configuration for installation admins.
 */
import { Elysia, t } from "elysia";
import { forbidden } from "../../lib/errors";
import { IdParams } from "../../http/params";
import { Items, Obj, OptionalTimestamp, Resource, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireAdmin } from "../auth/authenticate";
import { ConsumerKeyCreateBody, ConsumerSettingsBody } from "./model";

const ConsumerKeyView = Resource("an MQTT consumer key");
const ConsumerSettingsView = Obj({ jsonMirror: t.Boolean(), updatedAt: OptionalTimestamp });
const BrokerConfigView = Obj(
  {
    brokerSettings: t.String({
      description: "Mosquitto configuration lines the control plane relies on (TCP_NODELAY, queue size)",
    }),
    passwordFile: t.String({ description: "Mosquitto password_file lines (PBKDF2-SHA512 hashes)" }),
    aclFile: t.String({ description: "Mosquitto acl_file" }),
    dynamicSecurity: t.Record(t.String(), t.Unknown(), { description: "Mosquitto dynamic-security.json" }),
  },
  { description: "the consumer model for an external Mosquitto" },
);

export const consumersController = ({ authenticator, consumers, config }: Services) =>
  new Elysia({ tags: ["consumers"] })
    .use(requireAdmin(authenticator))
    .post(
      "/api/v1/consumer-keys",
      async ({ principal, body, set }) => {
        set.status = 201;
        return consumers.create(principal, body.name);
      },
      { body: ConsumerKeyCreateBody, response: responses({ 201: ConsumerKeyView }) },
    )
    .get("/api/v1/consumer-keys", async ({ principal }) => ({ items: await consumers.list(principal.tenantId) }), {
      response: responses({ 200: Items(ConsumerKeyView) }),
    })
    .delete("/api/v1/consumer-keys/:id", ({ principal, params }) => consumers.revoke(principal, params.id), {
      params: IdParams,
      response: responses({ 200: ConsumerKeyView }),
    })
    .get("/api/v1/consumers/settings", ({ principal }) => consumers.settings(principal.tenantId), {
      response: responses({ 200: ConsumerSettingsView }),
    })
    .put("/api/v1/consumers/settings", ({ principal, body }) => consumers.updateSettings(principal, body), {
      body: ConsumerSettingsBody,
      response: responses({ 200: ConsumerSettingsView }),
    })
    .get(
      "/api/admin/mqtt/mosquitto-config",
      ({ principal }) => {
        // Spans every tenant: the installation's admins only.
        if (!principal.isSuperadmin) throw forbidden("only installation admins export the broker configuration");
        const { mqttUsername: username, mqttPassword: password } = config;
        return consumers.brokerConfig(username && password ? { username, password } : undefined);
      },
      { response: responses({ 200: BrokerConfigView }) },
    );
