import { t } from "elysia";
import { oneOf } from "../../http/params";
import { OptionalTimestamp, Resource, Timestamp } from "../../http/responses";
import { HOST_STATUSES } from "../../db/schema";

export const HostStatus = oneOf(HOST_STATUSES);

export const HostCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  environmentId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  labels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }))),
});

export const HostUpdateBody = t.Object({
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  environmentId: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 100 }))),
  labels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }))),
});

export const HostStatusBody = t.Object({ status: HostStatus });

export const HostListQuery = t.Object({
  status: t.Optional(HostStatus),
  environmentId: t.Optional(t.String({ maxLength: 100 })),
});

export const TelemetryQuery = t.Object({
  name: t.Optional(t.String({ maxLength: 200 })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
});

export const HostView = Resource("a host (robot or compute node)", {
  name: t.String(),
  environmentId: t.Nullable(t.String()),
  labels: t.Record(t.String(), t.String()),
  status: HostStatus,
  agentVersion: t.Nullable(t.String()),
  lastSeenAt: OptionalTimestamp,
  createdAt: Timestamp,
});

export const TelemetryPointView = t.Object(
  { name: t.String(), value: t.Number() },
  { additionalProperties: true, description: "a telemetry point" },
);

export const HostLabelsPatchBody = t.Object(
  {
    /** Labels to set (a value) or remove (null); the others stay. */
    labels: t.Record(t.String({ maxLength: 100 }), t.Nullable(t.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);
