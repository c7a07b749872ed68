/**
 * Machines: the worker view of hosts (one table, one model). A machine has task slots, capabilities and
 * hardware, and can be drained (no new tasks; running work finishes), put in maintenance (no new tasks and no
 * new commands; running work finishes) or decommissioned (identity revoked → disconnected at once; assigned and
 * suspended tasks re-queued; running tasks failed; tasks pinned to it fail, as they can never run).
 */
import type { Static } from "elysia";
import { invalid, conflict } from "../../lib/errors";
import type { HostRow, HostService } from "../hosts/service";
import type { ProjectScope } from "../projects/members";
import type { RuntimeService } from "../runtime/service";
import type { TaskExecution } from "../tasks/execution";
import type { AdminMachineUpdateBody, MachineTasksQuery } from "./model";

export class MachineService {
  constructor(
    private readonly hosts: HostService,
    private readonly runtime: RuntimeService,
    private readonly execution: TaskExecution,
  ) {}

  private async present(rows: HostRow[]) {
    const active = await this.execution.activeCounts(rows.map((r) => r.id));
    return rows.map(({ tenantId: _t, ...h }) => ({
      ...h,
      state: h.decommissionedAt
        ? "decommissioned"
        : h.draining
          ? "draining"
          : h.status === "maintenance"
            ? "maintenance"
            : "active",
      activeTasks: active.get(h.id) ?? 0,
    }));
  }

  async list(tenantId: string) {
    const rows = await this.hosts.rows(tenantId);
    return this.present(rows);
  }

  async get(tenantId: string, id: string) {
    const rows = [await this.hosts.assertOwned(tenantId, id)];
    return (await this.present(rows))[0]!;
  }

  private async live(tenantId: string, id: string) {
    const host = await this.hosts.get(tenantId, id);
    if (host.decommissionedAt) throw conflict("machine is decommissioned");
    return host;
  }

  /** No new assignments; assigned, running and suspended work carries on. */
  async drain(tenantId: string, id: string) {
    await this.live(tenantId, id);
    await this.hosts.setMachineFields(tenantId, id, { draining: true });
    return this.get(tenantId, id);
  }

  async undrain(tenantId: string, id: string) {
    await this.live(tenantId, id);
    await this.hosts.setMachineFields(tenantId, id, { draining: false });
    return this.get(tenantId, id);
  }

  async update(tenantId: string, id: string, input: Static<typeof AdminMachineUpdateBody>) {
    if (Object.keys(input).length === 0) throw invalid("invalid body: nothing to update");
    await this.live(tenantId, id);
    const { status, ...fields } = input;
    if (Object.keys(fields).length) await this.hosts.setMachineFields(tenantId, id, fields);
    if (status) await this.hosts.setStatus(tenantId, id, status);
    return this.get(tenantId, id);
  }

  /** Decommission: the machine is disconnected now and never scheduled again; its work is re-queued or failed. */
  async decommission(tenantId: string, id: string) {
    await this.live(tenantId, id);
    await this.hosts.setMachineFields(tenantId, id, { decommissionedAt: new Date(), draining: true });
    // Work first, while the agent can still be told: running stages are cancelled (killed) before the identity
    // goes (on an external broker the control plane cannot drop the connection, only stop talking to it).
    const tasksReleased = await this.execution.releaseMachine(tenantId, id, `machine ${id} decommissioned`, {
      requeueIdempotent: false,
      include: ["assigned", "running", "suspended"],
      awaitCancelDelivery: true,
      failPinned: true,
    });
    const revokedIdentities = await this.runtime.revokeAllForHost(tenantId, id);
    await this.hosts.setStatus(tenantId, id, "offline");
    return { ...(await this.get(tenantId, id)), revokedIdentities, tasks: tasksReleased };
  }

  /** The tasks assigned to a machine (of the projects in `scope`: a member sees only their projects' tasks). */
  async tasks(tenantId: string, id: string, query: Static<typeof MachineTasksQuery>, scope?: ProjectScope) {
    await this.hosts.get(tenantId, id);
    return { items: await this.execution.assignedTo(tenantId, id, query, scope) };
  }
}
