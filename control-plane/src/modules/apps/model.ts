import { t } from "elysia";
import { APP_NAME_PATTERN, MAX_MANIFEST_BYTES } from "@edge/proto/runtime/manifest";
import { Obj, Page, Resource, Timestamp } from "../../http/responses";

export const AppManifestCreateBody = t.Object(
  {
    /** The app (a workspace on each machine) this manifest describes; versions count up per app. */
    app: t.String({ pattern: APP_NAME_PATTERN, maxLength: 63 }),
    /** The `app.runtime.yaml` text, validated exactly as the agent reads it (proto/runtime/manifest.ts). */
    manifest: t.String({ minLength: 1, maxLength: MAX_MANIFEST_BYTES }),
  },
  { additionalProperties: false },
);

export const AppManifestListQuery = t.Object({
  app: t.Optional(t.String({ pattern: APP_NAME_PATTERN, maxLength: 63 })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

const fields = {
  app: t.String(),
  version: t.Integer(),
  sha256: t.String(),
  apps: t.Array(t.String(), { description: "the manifest's app names" }),
  createdBy: t.String(),
  createdAt: Timestamp,
};

export const AppManifestSummary = Resource("a stored app manifest version", fields);
export const AppManifestView = Resource("a stored app manifest version with its text", {
  ...fields,
  manifest: t.String(),
});
export const AppManifestPage = Page(Obj(AppManifestSummary.properties, { description: "an app manifest version" }));
