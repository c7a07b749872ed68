/** Delegations and delegated runtime control: an agent acts on itself, or on another only with a live delegation. */
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { delegations } from "../../db/schema";
import type { DomainEvent } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, forbidden, notFound } from "../../lib/errors";
import type { HostService, MachineState } from "../hosts/service";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { CommandService } from "../commands/service";
import type { RuntimePrincipal } from "../runtime/principal";
import type { DelegationScope } from "./model";

type Delegation = typeof delegations.$inferSelect;

const CONTROL_KINDS = ["runtime.start", "runtime.stop"];
const stateOf = (kind: string): MachineState => (kind === "runtime.stop" ? "stopped" : "running");

const present = (row: Delegation) => {
  const { controllerHostId, targetHostId, ...rest } = publicRow(row);
  const active = !row.revokedAt && row.expiresAt.getTime() > Date.now();
  return { ...rest, controllerAgentId: controllerHostId, targetAgentId: targetHostId, active };
};

export class DelegationService {
  constructor(
    private readonly db: Db,
    private readonly hosts: HostService,
    private readonly audit: AuditService,
    private readonly commands: CommandService,
  ) {}

  async create(
    principal: UserPrincipal,
    input: { controllerAgentId: string; targetAgentId: string; scopes: DelegationScope[]; ttlSeconds?: number },
  ) {
    for (const id of [input.controllerAgentId, input.targetAgentId])
      await this.hosts.assertOwned(principal.tenantId, id, { what: "agent", reference: true });
    if (input.controllerAgentId === input.targetAgentId) throw invalid("an agent needs no delegation to act on itself");
    const [row] = await this.db
      .insert(delegations)
      .values({
        id: newId("dlg"),
        tenantId: principal.tenantId,
        controllerHostId: input.controllerAgentId,
        targetHostId: input.targetAgentId,
        scopes: input.scopes,
        createdBy: principal.userId,
        expiresAt: new Date(Date.now() + (input.ttlSeconds ?? 3600) * 1000),
      })
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId: input.targetAgentId,
      actor: principal.userId,
      action: "delegation.created",
      detail: { delegationId: row!.id, controller: input.controllerAgentId, scopes: input.scopes },
    });
    return present(row!);
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(delegations)
      .where(eq(delegations.tenantId, tenantId))
      .orderBy(desc(delegations.createdAt));
    return rows.map(present);
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(delegations)
      .where(and(eq(delegations.id, id), eq(delegations.tenantId, tenantId)));
    if (!row) throw notFound("delegation");
    return present(row);
  }

  async revoke(principal: UserPrincipal, id: string) {
    const current = await this.get(principal.tenantId, id);
    if (current.revokedAt) return current;
    const [row] = await this.db
      .update(delegations)
      .set({ revokedAt: new Date() })
      .where(eq(delegations.id, id))
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId: row!.targetHostId,
      actor: principal.userId,
      action: "delegation.revoked",
      detail: { delegationId: id },
    });
    return present(row!);
  }

  /** Self-target always; another agent only with an active delegation holding the scope. */
  private async authorize(me: RuntimePrincipal, targetId: string, action: DelegationScope) {
    const target = await this.hosts.assertOwned(me.tenantId, targetId, { what: "agent" });
    if (targetId === me.hostId) return target;
    const live = await this.db
      .select()
      .from(delegations)
      .where(
        and(
          eq(delegations.tenantId, me.tenantId),
          eq(delegations.controllerHostId, me.hostId),
          eq(delegations.targetHostId, targetId),
          isNull(delegations.revokedAt),
          gt(delegations.expiresAt, new Date()),
        ),
      );
    if (!live.some((d) => d.scopes.includes(action)))
      throw forbidden(`no active delegation with scope "${action}" for agent ${targetId}`);
    return target;
  }

  /**
   * start/stop: sends the target agent a `runtime.start|stop` command. The request is pending until the agent
   * acknowledges it; the machine state changes only then (the agent may refuse, e.g. by policy).
   */
  async control(me: RuntimePrincipal, targetId: string, action: "start" | "stop") {
    await this.authorize(me, targetId, action);
    const command = await this.commands.create(me.tenantId, {
      hostId: targetId,
      kind: `runtime.${action}`,
      params: {},
    });
    await this.audit.record({
      tenantId: me.tenantId,
      hostId: targetId,
      actor: me.runtimeId,
      action: `runtime.${action}`,
      detail: { by: me.hostId, commandId: command.id },
    });
    const { machineState } = await this.machineStateOf(me.tenantId, targetId);
    return {
      ok: true,
      agentId: targetId,
      action,
      machineState,
      requestedMachineState: stateOf(command.kind),
      pending: true,
      commandId: command.id,
    };
  }

  async status(me: RuntimePrincipal, targetId: string) {
    const target = await this.authorize(me, targetId, "status");
    return {
      ok: true,
      agentId: target.id,
      ...(await this.machineStateOf(me.tenantId, target.id, target.machineState)),
      status: target.status,
      agentVersion: target.agentVersion,
      lastSeenAt: target.lastSeenAt,
    };
  }

  /**
   * The machine state the agent acknowledged (its last completed start/stop; before any, the host's recorded state),
   * the request still in flight if any, and the last request the agent refused after that.
   */
  private async machineStateOf(tenantId: string, hostId: string, recorded?: MachineState) {
    const rows = await this.commands.latestOfKinds(tenantId, hostId, CONTROL_KINDS, 50);
    const acknowledged = rows.find((c) => c.status === "completed");
    const newer = acknowledged ? rows.slice(0, rows.indexOf(acknowledged)) : rows;
    const inFlight = newer.find((c) => c.status === "pending" || c.status === "running");
    const refused = newer.find((c) => c.status === "failed" || c.status === "cancelled");
    if (!acknowledged && !recorded) recorded = await this.hosts.machineStateOf(hostId);
    return {
      machineState: acknowledged ? stateOf(acknowledged.kind) : (recorded ?? "running"),
      requestedMachineState: inFlight ? stateOf(inFlight.kind) : null,
      pendingCommand: inFlight ? { id: inFlight.id, status: inFlight.status } : null,
      lastRefused: refused
        ? {
            commandId: refused.id,
            requestedMachineState: stateOf(refused.kind),
            status: refused.status,
            error: refused.error,
          }
        : null,
    };
  }

  /** Keeps the host's `machineState` to what its agent acknowledged: set when a start/stop command completes. */
  async onEvent(event: DomainEvent) {
    if (
      event.type !== "command.transition" ||
      event.status !== "completed" ||
      !event.kind ||
      !CONTROL_KINDS.includes(event.kind)
    )
      return;
    await this.hosts.setMachineState(event.hostId, stateOf(event.kind));
  }
}
