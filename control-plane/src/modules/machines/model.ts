import { t } from "elysia";
import { Resource } from "../../http/responses";
import { HostStatus } from "../hosts/model";

export const AdminMachineUpdateBody = t.Object(
  {
    /** online, offline, maintenance or error (maintenance: no new tasks or commands; see README). */
    status: t.Optional(HostStatus),
    maxConcurrentTasks: t.Optional(t.Integer({ minimum: 0, maximum: 1000 })),
    capabilities: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
    labels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);

export const MachineTasksQuery = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: 10_000_000 })),
});

export const MachineView = Resource("a machine (a host that runs tasks)", {
  name: t.String(),
  status: t.String(),
  draining: t.Boolean(),
});
