import { t } from "elysia";

export const ConsumerKeyCreateBody = t.Object({ name: t.String({ minLength: 1, maxLength: 200 }) });
export const ConsumerSettingsBody = t.Object({
  /** Publish the JSON mirror (`edge-json/{tenant}/{host}/{telemetry|status|presence}`). */
  jsonMirror: t.Boolean(),
});
