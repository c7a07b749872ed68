/**
 * Control plane → agent: what goes to which agent, and when. A live session (gRPC) is the faster path; otherwise the
 * broker outlet (the MQTT bridge) carries it. Nothing goes to a host without a live runtime identity. Redelivery
 * covers every gap: on (re)connection the host's unfinished commands are sent again, and commands still pending
 * after a while are re-sent (their replica may have died between commit and publish); the agent's durable dedupe
 * makes extra copies harmless.
 */
import { mark } from "../../lib/latency-trace";
import type { CommandToDeliver, DomainEvent, EstopOrder } from "../../lib/events";
import type { Command, CommandCancel, EmergencyStop, PolicySet, Receipt, RuntimeRequest } from "../../../../proto/wire";
import type { AgentDeps } from "./deps";
import { toWireCommand, toWireEstop, type LiveSessions } from "./live-sessions";

/** Messages the control plane sends agents through the broker, by topic channel. */
export interface OutboundMessages {
  cmd: Command;
  cancel: CommandCancel;
  estop: EmergencyStop;
  policies: PolicySet;
  receipt: Receipt;
  "runtime-req": RuntimeRequest;
}

/** The broker side of delivery (the MQTT bridge): encodes and publishes one message to a host's agent. */
export interface BrokerOutlet {
  send<C extends keyof OutboundMessages>(
    tenantId: string,
    hostId: string,
    channel: C,
    message: OutboundMessages[C],
    opts?: { retain?: boolean },
  ): Promise<void>;
}

/** At most this many commands are re-sent per sweep. */
const REDELIVERY_BATCH = 500;

export class AgentDelivery {
  private outlet?: BrokerOutlet;
  private unsubscribe?: () => void;
  private redeliveryTimer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: AgentDeps,
    private readonly sessions: LiveSessions,
  ) {}

  /** Starts delivering domain events through `outlet`; `redeliveryMs` > 0 re-sends commands pending that long. */
  start(outlet: BrokerOutlet, redeliveryMs: number): void {
    this.outlet = outlet;
    this.unsubscribe = this.deps.events.subscribe((event) => this.onEvent(event));
    if (redeliveryMs > 0) {
      this.redeliveryTimer = setInterval(
        () => this.redeliverStale(redeliveryMs).catch((err) => this.deps.log.error("command redelivery failed", err)),
        redeliveryMs,
      );
    }
  }

  stop(): void {
    clearInterval(this.redeliveryTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * Whether to publish a new command now. Not to an offline host: it gets its pending commands when it comes
   * back online, so one cancelled meanwhile is never delivered at all.
   */
  async reachable(tenantId: string, hostId: string): Promise<boolean> {
    const status = await this.deps.hosts.statusOf(tenantId, hostId);
    return status !== undefined && status !== "offline" && (await this.hasLiveRuntime(tenantId, hostId));
  }

  /** Of `hostIds`, those to publish new commands to now (as `reachable`, in two queries for any number of hosts). */
  async reachableAmong(tenantId: string, hostIds: string[]): Promise<Set<string>> {
    const live = await this.deps.runtime.hostsWithLiveRuntime(tenantId, hostIds);
    const online = await this.deps.hosts.notOfflineAmong(tenantId, [...live]);
    return online;
  }

  /**
   * As `reachableAmong`, with the hosts' statuses read by the statement that created their commands (as for one
   * command): only the live identities to check, from memory (misses read together).
   */
  private async reachableByStatus(tenantId: string, hostIds: string[], statuses: Readonly<Record<string, string>>) {
    const candidates = hostIds.filter((id) => statuses[id] !== undefined && statuses[id] !== "offline");
    const live = await Promise.all(candidates.map((id) => this.hasLiveRuntime(tenantId, id)));
    return new Set(candidates.filter((_, i) => live[i]));
  }

  private async hasLiveRuntime(tenantId: string, hostId: string) {
    return (await this.deps.runtime.liveRuntimeOf(tenantId, hostId)) !== undefined;
  }

  /**
   * The agent came online on the broker: re-sent on every reconnect until acknowledged, the stop state (the agent
   * re-acknowledges a generation it knows), the policy set, then every unfinished command (pending ones perhaps never
   * delivered; running ones answered with their final report).
   */
  async reconcileOverBroker(tenantId: string, hostId: string): Promise<void> {
    const order = await this.deps.safety.currentOrder(tenantId, hostId);
    if (order) await this.sendEstop(tenantId, order);
    await this.sendPolicies(tenantId, hostId);
    for (const command of await this.deps.commands.unfinishedFor(tenantId, hostId))
      await this.broker().send(tenantId, hostId, "cmd", toWireCommand(command));
  }

  /**
   * `reconcileOverBroker` for many hosts of a tenant that came online together: the same messages in the same
   * order per host, read with one statement each for all of them (stop orders, policy sets and their versions,
   * unfinished commands); the hosts' publishes proceed side by side.
   */
  async reconcileManyOverBroker(tenantId: string, targets: { id: string; environmentId: string | null }[]) {
    if (targets.length === 0) return;
    const ids = targets.map((t) => t.id);
    const orders = await this.deps.safety.currentOrders(tenantId, ids);
    const sets = await this.deps.environments.policySetsOf(tenantId, targets);
    const versions = await this.deps.safety.policySetVersions(
      tenantId,
      ids.map((hostId) => ({ hostId, fingerprint: sets.get(hostId)!.fingerprint })),
    );
    const commands = new Map<string, Awaited<ReturnType<AgentDeps["commands"]["unfinishedForHosts"]>>>();
    for (const command of await this.deps.commands.unfinishedForHosts(tenantId, ids))
      commands.set(command.hostId, [...(commands.get(command.hostId) ?? []), command]);
    const issuedAtMs = Date.now();
    await Promise.all(
      ids.map(async (hostId) => {
        const order = orders.get(hostId);
        if (order) await this.sendEstop(tenantId, order);
        const policies = sets.get(hostId)!.policies;
        await this.broker().send(
          tenantId,
          hostId,
          "policies",
          { policies, issuedAtMs, version: versions.get(hostId)! },
          { retain: true },
        );
        for (const command of commands.get(hostId) ?? [])
          await this.broker().send(tenantId, hostId, "cmd", toWireCommand(command));
      }),
    );
  }

  private broker(): BrokerOutlet {
    if (!this.outlet) throw new Error("agent delivery has no broker outlet: start() it first");
    return this.outlet;
  }

  private async onEvent(event: DomainEvent): Promise<void> {
    const { tenantId } = event;
    if (event.type === "estop.requested") {
      // Every path at once, whatever the host's status: the live session (if on this replica) and the retained
      // broker message, which a reconnecting agent receives as soon as it subscribes.
      await Promise.all(event.orders.map((order) => this.sendEstop(tenantId, order)));
    } else if (event.type === "command.created") {
      // A live session (authenticated, dropped on revocation) is the faster path: no query, no broker hop.
      if (this.sessions.push(tenantId, event.hostId, event.command)) return;
      // The host's status came with the command (read by the statement that created it); the identity is cached.
      const reachable =
        event.hostStatus === undefined
          ? await this.reachable(tenantId, event.hostId)
          : event.hostStatus !== "offline" && (await this.hasLiveRuntime(tenantId, event.hostId));
      if (!reachable) return;
      mark(event.commandId, "cmd.publish");
      await this.broker().send(tenantId, event.hostId, "cmd", toWireCommand(event.command));
      mark(event.commandId, "cmd.puback");
    } else if (event.type === "commands.created") {
      // The same per command, with one reachability check for the whole batch and the publishes in flight together.
      const rest = event.commands.filter((c) => !this.sessions.push(tenantId, c.hostId, c));
      const hostIds = [...new Set(rest.map((c) => c.hostId))];
      const reachable = event.hostStatuses
        ? await this.reachableByStatus(tenantId, hostIds, event.hostStatuses)
        : await this.reachableAmong(tenantId, hostIds);
      await Promise.all(
        rest
          .filter((c) => reachable.has(c.hostId))
          .map((c) => this.broker().send(tenantId, c.hostId, "cmd", toWireCommand(c))),
      );
    } else if (event.type === "command.transition" && event.status === "cancelled") {
      // The agent must stop it for real: kill it if running, never start it otherwise.
      const reason = "cancelled by operator";
      if (this.sessions.cancel(tenantId, event.hostId, event.commandId, reason)) return;
      if (!(await this.hasLiveRuntime(tenantId, event.hostId))) return;
      await this.broker().send(tenantId, event.hostId, "cancel", {
        commandId: event.commandId,
        reason,
        atMs: Date.now(),
      });
    } else if (event.type === "policies.changed") {
      for (const host of await this.deps.hosts.list(tenantId, {})) await this.sendPolicies(tenantId, host.id);
    } else if (event.type === "runtime.revoked") {
      this.sessions.abortRuntime(event.runtimeId, "runtime identity revoked");
      if (!(await this.hasLiveRuntime(tenantId, event.hostId)))
        await this.deps.hosts.setStatus(tenantId, event.hostId, "offline");
    } else if (event.type === "session.revoked" && event.runtimeId) {
      this.sessions.abortRuntime(event.runtimeId, "runtime session revoked");
    }
  }

  private async sendEstop(tenantId: string, order: EstopOrder) {
    this.sessions.estop(tenantId, order);
    await this.broker().send(tenantId, order.hostId, "estop", toWireEstop(order), { retain: true });
  }

  /** Commands pending for longer than `ageMs` are sent again to reachable agents. */
  private async redeliverStale(ageMs: number): Promise<void> {
    const stale = await this.deps.commands.pendingSince(new Date(Date.now() - ageMs), REDELIVERY_BATCH);
    const reachable = new Map<string, boolean>();
    for (const command of stale) {
      const key = `${command.tenantId}/${command.hostId}`;
      if (!reachable.has(key)) reachable.set(key, await this.reachable(command.tenantId, command.hostId));
      if (!reachable.get(key)) continue;
      if (!this.sessions.push(command.tenantId, command.hostId, command as CommandToDeliver))
        await this.broker().send(command.tenantId, command.hostId, "cmd", toWireCommand(command));
    }
  }

  /** Publishes the host's complete policy set, retained, so a (re)connecting agent always gets it. */
  private async sendPolicies(tenantId: string, hostId: string) {
    const host = await this.deps.hosts.get(tenantId, hostId);
    // The environment's policies and the host's own (a policy-set rollout), as environments define the set.
    const sets = await this.deps.environments.policySetsOf(tenantId, [host]);
    const { policies: wirePolicies, fingerprint } = sets.get(hostId)!;
    // The set's version: bumped whenever its content changes; the agent acknowledges the one it enforces.
    const version = await this.deps.safety.policySetVersion(tenantId, hostId, fingerprint);
    await this.broker().send(
      tenantId,
      hostId,
      "policies",
      { policies: wirePolicies, issuedAtMs: Date.now(), version },
      { retain: true },
    );
  }
}
