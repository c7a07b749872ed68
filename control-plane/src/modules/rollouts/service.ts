/**
 * Rollouts: a target (a signed release, or a safety-policy set) applied to a fleet batch by batch, within a disruption budget and
 * maintenance windows, pausing at a failure threshold, waiting for health (and approval) between batches.
 * `advance` is one step of one rollout under its row lock (FOR UPDATE SKIP LOCKED): the driver calls it from
 * every replica, and exactly one of them steps a given rollout at a time. Clients only create and steer.
 */
import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Tx } from "../../db/connect";
import {
  type commands,
  rolloutEvents,
  type LabelSelector,
  type RolloutTarget,
  rolloutHosts,
  rollouts,
  type ROLLOUT_HOST_STATUSES,
  type ROLLOUT_ROLLBACK_STATUSES,
  type ROLLOUT_STATUSES,
  type RolloutHostPrevious,
} from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { invalid, conflict, notFound } from "../../lib/errors";
import type { CommandService } from "../commands/service";
import type { EnvironmentService } from "../environments/service";
import type { FleetService } from "../fleets/service";
import type { HostService } from "../hosts/service";
import type { SafetyService } from "../safety/service";
import type { SafetyPolicyService } from "../safety-policies/service";
import type { UpdateService } from "../updates/service";
import type { AppManifestService } from "../apps/service";
import type { RolloutCreateBody, RolloutHostsQuery, RolloutListQuery } from "./model";
import {
  budgetGroupOf,
  budgetLeft,
  failureLimit,
  inMaintenanceWindow,
  normalizeStrategy,
  planBatches,
} from "./strategy";

type Rollout = typeof rollouts.$inferSelect;
type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];
type HostStatus = (typeof ROLLOUT_HOST_STATUSES)[number];
type RolloutRollbackStatus = (typeof ROLLOUT_ROLLBACK_STATUSES)[number];
/** The same set of policy ids, whatever the order. */
const setKey = (ids: string[]) => [...ids].sort().join(",");
type NewEvent = { type: string; message: string; hostId?: string; batch?: number; actor?: string };

const INSERT_CHUNK = 1000;
const TERMINAL: RolloutStatus[] = ["completed", "aborted", "failed"];

/** A rollout host with what the step needs of its host and command. */
interface HostState {
  hostId: string;
  batch: number;
  budgetGroup: string;
  status: HostStatus;
  commandId: string | null;
  startedAt: Date | null;
  hostStatus: string;
  environmentId: string | null;
  agentVersion: string | null;
  commandStatus: string | null;
  commandError: string | null;
  /** app targets: what the agent reported (`{app, version, previousVersion, apps: [{appId, phase}]}`). */
  commandResult: unknown;
  /** What the host had before the rollout first changed it (restored by an abort with rollback). */
  previous: RolloutHostPrevious | null;
  rollback: RolloutRollbackStatus | null;
  rollbackAt: Date | null;
  /** policy_set targets: the agent acknowledged enforcing the host's current set, which includes the target's. */
  policyApplied?: boolean;
  /** policy_set rollback: the host's own set is `previous` again and its agent acknowledged enforcing it. */
  previousApplied?: boolean;
}

/** What a target is, for events and messages. */
export function describeTarget(target: RolloutTarget): string {
  if (target.kind === "release") return `${target.channel} ${target.version}`;
  if (target.kind === "app") return `app ${target.app} version ${target.version}`;
  return `safety-policy set [${target.names.join(", ")}]`;
}

/** The command that makes an agent run an app manifest version (its safety policy decides, as for any command). */
export const APP_DEPLOY_KIND = "app.deploy";

interface AppReport {
  app?: string;
  version?: number;
  previousVersion?: number | null;
  apps?: { appId: string; phase: string }[];
}

/** Whether the agent's report says every app of `app` runs healthy at `version`. */
function healthyAt(result: unknown, app: string, version: number): boolean {
  const r = (result ?? {}) as AppReport;
  return (
    r.app === app &&
    r.version === version &&
    Array.isArray(r.apps) &&
    r.apps.length > 0 &&
    r.apps.every((a) => a.phase === "healthy")
  );
}

export class RolloutService {
  constructor(
    private readonly db: Db,
    private readonly fleets: FleetService,
    private readonly commands: CommandService,
    private readonly updates: UpdateService,
    private readonly events: EventBus,
    private readonly policies: SafetyPolicyService,
    private readonly environments: EnvironmentService,
    private readonly safety: SafetyService,
    private readonly hostService: Pick<HostService, "hostsView">,
    private readonly appManifests: AppManifestService,
  ) {}

  /** The id of a rollout of the fleet, if any (a fleet with rollouts cannot be deleted). */
  async aRolloutOf(tenantId: string, fleetId: string): Promise<string | undefined> {
    const [used] = await this.db
      .select({ id: rollouts.id })
      .from(rollouts)
      .where(and(eq(rollouts.fleetId, fleetId), eq(rollouts.tenantId, tenantId)))
      .limit(1);
    return used?.id;
  }

  async create(tenantId: string, actor: string, input: Static<typeof RolloutCreateBody>) {
    const strategy = normalizeStrategy(input.strategy);
    const fleet = await this.fleets.get(tenantId, input.fleetId).catch(() => {
      throw invalid(`unknown fleet ${input.fleetId}`);
    });
    const target = await this.resolveTarget(tenantId, input.target);
    const id = newId("rollout");
    const row = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(rollouts)
        .values({
          id,
          tenantId,
          fleetId: fleet.id,
          name: input.name,
          target,
          strategy,
          createdBy: actor,
        })
        .returning();
      await this.record(tx, row!, [
        { type: "created", actor, message: `rollout of ${describeTarget(target)} to fleet ${fleet.name}` },
      ]);
      return row!;
    });
    this.events.publish({ type: "rollout.changed", tenantId, rolloutId: id });
    return this.present(row);
  }

  /** Checks a requested target and resolves it to what the rollout stores (400/409 naming the problem). */
  private async resolveTarget(
    tenantId: string,
    requested: Static<typeof RolloutCreateBody>["target"],
  ): Promise<RolloutTarget> {
    if (requested.kind === "app") {
      const row = await this.appManifests.version(this.db, tenantId, requested.app, requested.version);
      if (!row) throw invalid(`unknown app manifest: ${requested.app} version ${requested.version}`);
      return { kind: "app", app: row.app, version: row.version, manifestId: row.id };
    }
    if (requested.kind === "policy_set") {
      const ids = [...new Set(requested.policyIds)];
      if (ids.length !== requested.policyIds.length) throw invalid("invalid target: policyIds: duplicate ids");
      const found = await this.policies.findMany(tenantId, ids);
      return { kind: "policy_set", policyIds: found.map((p) => p.id), names: found.map((p) => p.name) };
    }
    const release = await this.updates.releaseRow(tenantId, requested.releaseId);
    if (!release) throw invalid(`unknown release ${requested.releaseId}`);
    await this.assertCurrent(tenantId, release.id, release.channel, release.version);
    return { kind: "release", releaseId: release.id, channel: release.channel, version: release.version };
  }

  /** The release must be the newest acceptable one of its channel: agents only apply that one. */
  private async assertCurrent(tenantId: string, releaseId: string, channel: string, version: string) {
    const latest = await this.updates.latest(tenantId, channel);
    if (latest?.id !== releaseId)
      throw conflict(`release ${version} is not the current release of channel ${channel} (agents would refuse it)`);
  }

  async list(tenantId: string, query: Static<typeof RolloutListQuery>) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.db
      .select()
      .from(rollouts)
      .where(
        and(
          eq(rollouts.tenantId, tenantId),
          query.status ? eq(rollouts.status, query.status) : undefined,
          afterCursor(query.cursor, rollouts.createdAt, rollouts.id),
        ),
      )
      .orderBy(desc(rollouts.createdAt), desc(rollouts.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map((r) => this.present(r)) };
  }

  private async row(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(rollouts)
      .where(and(eq(rollouts.id, id), eq(rollouts.tenantId, tenantId)));
    if (!row) throw notFound("rollout");
    return row;
  }

  /** The rollout with its host counts, overall and per batch. */
  async get(tenantId: string, id: string) {
    const row = await this.row(tenantId, id);
    const counts = await this.db
      .select({ batch: rolloutHosts.batch, status: rolloutHosts.status, count: sql<number>`count(*)::int` })
      .from(rolloutHosts)
      .where(and(eq(rolloutHosts.rolloutId, id), eq(rolloutHosts.tenantId, tenantId)))
      .groupBy(rolloutHosts.batch, rolloutHosts.status);
    const empty = () => ({ total: 0, pending: 0, updating: 0, succeeded: 0, failed: 0, skipped: 0 });
    const hostsCount = empty();
    const batches: ReturnType<typeof empty>[] = Array.from({ length: row.batchCount }, empty);
    for (const c of counts) {
      if (!batches[c.batch]) batches[c.batch] = empty();
      const batch = batches[c.batch]!;
      batch[c.status] += c.count;
      batch.total += c.count;
      hostsCount[c.status] += c.count;
      hostsCount.total += c.count;
    }
    return { ...this.present(row), hosts: hostsCount, batches };
  }

  async hosts(tenantId: string, id: string, query: Static<typeof RolloutHostsQuery>) {
    await this.row(tenantId, id);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const hosts = this.hostService.hostsView(this.db).as("h");
    const rows = await this.db
      .select({
        hostId: rolloutHosts.hostId,
        hostName: hosts.name,
        hostStatus: hosts.status,
        agentVersion: hosts.agentVersion,
        batch: rolloutHosts.batch,
        budgetGroup: rolloutHosts.budgetGroup,
        status: rolloutHosts.status,
        commandId: rolloutHosts.commandId,
        attempts: rolloutHosts.attempts,
        error: rolloutHosts.error,
        startedAt: rolloutHosts.startedAt,
        finishedAt: rolloutHosts.finishedAt,
        rollback: rolloutHosts.rollback,
      })
      .from(rolloutHosts)
      .innerJoin(hosts, eq(hosts.id, rolloutHosts.hostId))
      .where(
        and(
          eq(rolloutHosts.rolloutId, id),
          eq(rolloutHosts.tenantId, tenantId),
          query.status ? eq(rolloutHosts.status, query.status) : undefined,
          query.batch !== undefined ? eq(rolloutHosts.batch, query.batch) : undefined,
          query.cursor ? gt(rolloutHosts.hostId, query.cursor) : undefined,
        ),
      )
      .orderBy(asc(rolloutHosts.hostId))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.hostId : null };
  }

  async history(tenantId: string, id: string, query: { after?: number; limit?: number }) {
    await this.row(tenantId, id);
    const rows = await this.db
      .select()
      .from(rolloutEvents)
      .where(
        and(
          eq(rolloutEvents.rolloutId, id),
          eq(rolloutEvents.tenantId, tenantId),
          query.after !== undefined ? gt(rolloutEvents.seq, query.after) : undefined,
        ),
      )
      .orderBy(asc(rolloutEvents.seq))
      .limit(query.limit ?? 200);
    return { items: rows.map(({ tenantId: _t, rolloutId: _r, ...e }) => e) };
  }

  /** An operator's action, under the rollout's row lock (waits for a step in progress). */
  private async steer(
    tenantId: string,
    id: string,
    actor: string,
    act: (r: Rollout) => { patch: Partial<Rollout>; event: NewEvent } | string,
  ) {
    const row = await this.db.transaction(async (tx) => {
      const [r] = await tx
        .select()
        .from(rollouts)
        .where(and(eq(rollouts.id, id), eq(rollouts.tenantId, tenantId)))
        .for("update");
      if (!r) throw notFound("rollout");
      const outcome = act(r);
      if (typeof outcome === "string") throw conflict(outcome);
      const [row] = await tx
        .update(rollouts)
        .set({ ...outcome.patch, updatedAt: new Date() })
        .where(eq(rollouts.id, id))
        .returning();
      await this.record(tx, r, [{ ...outcome.event, actor }]);
      return row!;
    });
    this.events.publish({ type: "rollout.changed", tenantId, rolloutId: id });
    return this.get(tenantId, row.id);
  }

  pause(tenantId: string, id: string, actor: string, reason?: string) {
    return this.steer(tenantId, id, actor, (r) =>
      r.status === "running"
        ? {
            patch: { status: "paused", reason: reason ?? `paused by ${actor}` },
            event: { type: "paused", message: reason ?? "paused by operator" },
          }
        : `cannot pause a ${r.status} rollout`,
    );
  }

  /** Resumes a paused rollout; failures so far are accepted (the threshold counts new ones). */
  resume(tenantId: string, id: string, actor: string) {
    return this.steer(tenantId, id, actor, (r) => {
      if (r.status !== "paused") return `cannot resume a ${r.status} rollout`;
      return {
        patch: {
          status: "running",
          reason: null,
          failuresAccepted: sql`(select count(*)::int from ${rolloutHosts}
          where ${rolloutHosts.rolloutId} = ${r.id} and ${rolloutHosts.status} = 'failed')` as unknown as number,
        },
        event: { type: "resumed", message: "resumed by operator" },
      };
    });
  }

  /**
   * Stops the rollout: no host starts any more, unstarted updates are cancelled; updated hosts stay updated, or with
   * `rollback` get back what they had before the rollout changed them (policy sets: the host's own set before, or
   * none), acknowledged by their agents like any change. A release cannot be rolled back by the control plane.
   */
  abort(tenantId: string, id: string, actor: string, reason?: string, rollback = false) {
    return this.steer(tenantId, id, actor, (r) => {
      if (TERMINAL.includes(r.status)) return `cannot abort a ${r.status} rollout`;
      if (rollback && r.target.kind === "release")
        return "a release cannot be rolled back by the control plane (an agent rolls back a failed update itself): abort without rollback";
      const why = reason ?? "aborted by operator";
      return {
        patch: {
          status: "aborted",
          reason: reason ?? `aborted by ${actor}`,
          waiting: null,
          finishedAt: new Date(),
          rollback,
        },
        event: { type: "aborted", message: rollback ? `${why}; updated hosts roll back` : why },
      };
    });
  }

  /** Lets the next batch start (when the strategy asks for approval between batches). */
  approve(tenantId: string, id: string, actor: string) {
    return this.steer(tenantId, id, actor, (r) =>
      r.status === "running" && r.awaitingApproval
        ? {
            patch: { awaitingApproval: false, waiting: null, currentBatch: r.currentBatch + 1, healthUntil: null },
            event: { type: "approved", batch: r.currentBatch + 1, message: `batch ${r.currentBatch + 1} approved` },
          }
        : "the rollout is not waiting for an approval",
    );
  }

  async remove(tenantId: string, id: string) {
    const row = await this.row(tenantId, id);
    if (!TERMINAL.includes(row.status)) throw conflict(`rollout is ${row.status}: abort it first`);
    await this.db.delete(rollouts).where(and(eq(rollouts.id, id), eq(rollouts.tenantId, tenantId)));
    return { id, deleted: true };
  }

  /** Rollouts the driver still has to look at (of every tenant). */
  async unsettled(limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ id: rollouts.id })
      .from(rollouts)
      .where(eq(rollouts.settled, false))
      .orderBy(asc(rollouts.updatedAt))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /**
   * One step of a rollout: record what its hosts did, then (if running) pause at the failure threshold, finish the
   * batch (health wait, approval), and start hosts within the budget and windows. Skipped if another replica holds it.
   */
  async advance(id: string, now = new Date()): Promise<void> {
    const after: {
      announce: (typeof commands.$inferSelect)[];
      cancel: string[];
      tenantId?: string;
      policiesAssigned?: boolean;
      paused?: { name: string; reason: string };
    } = { announce: [], cancel: [] };
    // Looked up before the transaction (PGlite has one connection: nothing may query beside an open transaction).
    const [peek] = await this.db
      .select()
      .from(rollouts)
      .where(and(eq(rollouts.id, id), eq(rollouts.settled, false)));
    if (!peek) return;
    const context: StepContext = {
      currentReleaseId:
        peek.target.kind === "release"
          ? (await this.updates.latest(peek.tenantId, peek.target.channel))?.id
          : undefined,
      selector: (await this.fleets.get(peek.tenantId, peek.fleetId)).selector,
    };
    await this.db.transaction(async (tx) => {
      const [locked] = await tx
        .select()
        .from(rollouts)
        .where(and(eq(rollouts.id, id), eq(rollouts.settled, false)))
        .for("update", { skipLocked: true });
      if (!locked) return;
      after.tenantId = locked.tenantId;
      const step = new Step(tx, locked, now, this, context);
      await step.run();
      after.announce = step.dispatched;
      after.cancel = step.toCancel;
      after.policiesAssigned = step.policiesAssigned;
      if (step.pausedReason) after.paused = { name: locked.name, reason: step.pausedReason };
    });
    if (!after.tenantId) return;
    // The assigned hosts' agents get their new sets (delivery re-sends each host's set; unchanged ones keep their version).
    if (after.policiesAssigned) this.events.publish({ type: "policies.changed", tenantId: after.tenantId });
    if (after.paused)
      this.events.publish({ type: "rollout.paused", tenantId: after.tenantId, rolloutId: id, ...after.paused });
    this.commands.announceMany(after.tenantId, after.announce);
    for (const commandId of after.cancel)
      await this.commands.cancelIfActive(after.tenantId, commandId, "rollout aborted before it started");
  }

  /** @internal for Step */
  async record(tx: Tx, r: Pick<Rollout, "id" | "tenantId">, events: NewEvent[]) {
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      await tx
        .insert(rolloutEvents)
        .values(events.slice(i, i + INSERT_CHUNK).map((e) => ({ ...e, tenantId: r.tenantId, rolloutId: r.id })));
    }
  }

  /** @internal for Step */
  get deps() {
    return {
      fleets: this.fleets,
      updates: this.updates,
      commands: this.commands,
      hosts: this.hostService,
      policies: this.policies,
      environments: this.environments,
      safety: this.safety,
      appManifests: this.appManifests,
    };
  }

  private present(row: Rollout) {
    const { settled: _s, failuresAccepted, ...rest } = publicRow(row);
    return { ...rest, failuresAccepted };
  }
}

/** What a step needs that is read before its transaction. */
interface StepContext {
  /** The newest acceptable release of the target's channel: agents apply only that one. */
  currentReleaseId?: string;
  selector: LabelSelector;
}

/** One step of one rollout inside its locked transaction. */
class Step {
  dispatched: (typeof commands.$inferSelect)[] = [];
  toCancel: string[] = [];
  policiesAssigned = false;
  /** Why this step paused the rollout (a threshold was crossed), if it did: people are told once it commits. */
  pausedReason: string | undefined;
  private readonly events: NewEvent[] = [];
  private patch: Partial<Rollout> = {};
  private hosts: HostState[] = [];

  constructor(
    private readonly tx: Tx,
    private r: Rollout,
    private readonly now: Date,
    private readonly service: RolloutService,
    private readonly context: StepContext,
  ) {}

  async run() {
    if (this.r.status === "pending") await this.start();
    if (this.r.status === "aborted")
      await this.tx
        .update(rolloutHosts)
        .set({ status: "skipped", error: "rollout aborted" })
        .where(and(eq(rolloutHosts.rolloutId, this.r.id), eq(rolloutHosts.status, "pending")));
    if (this.r.status !== "pending") {
      await this.loadHosts();
      await this.settleHosts();
      if (this.r.status === "running") await this.drive();
      if (this.r.status === "aborted" && this.r.rollback) await this.rollBack();
      const inFlight = this.hosts.some(
        (h) =>
          h.status === "updating" ||
          h.rollback === "applying" ||
          (this.r.status === "aborted" && this.r.rollback && h.previous !== null && h.rollback === null),
      );
      if (TERMINAL.includes(this.r.status) && !inFlight) this.set({ settled: true });
    }
    await this.service.record(this.tx, this.r, this.events);
    if (Object.keys(this.patch).length)
      await this.tx
        .update(rollouts)
        .set({ ...this.patch, updatedAt: this.now })
        .where(eq(rollouts.id, this.r.id));
  }

  private set(patch: Partial<Rollout>) {
    Object.assign(this.patch, patch);
    this.r = { ...this.r, ...patch };
  }

  private wait(waiting: string | null, message?: string) {
    if (this.r.waiting === waiting) return;
    this.set({ waiting });
    if (message) this.events.push({ type: "waiting", batch: this.r.currentBatch, message });
  }

  private finish(status: "completed" | "failed", message: string) {
    this.set({ status, waiting: null, finishedAt: this.now, ...(status === "failed" ? { reason: message } : {}) });
    this.events.push({ type: status, message });
  }

  /** pending → running once inside a maintenance window: the fleet's hosts now are planned into batches. */
  private async start() {
    const strategy = this.r.strategy;
    if (!inMaintenanceWindow(strategy, this.now))
      return this.wait("window", "start deferred: outside every maintenance window");
    const { hosts, where } = this.service.deps.fleets.members(this.tx, this.r.tenantId, this.context.selector);
    const members = await this.tx
      .select({ id: hosts.id, labels: hosts.labels })
      .from(hosts)
      .where(where)
      .orderBy(asc(hosts.name), asc(hosts.id));
    const labelsOf = new Map(members.map((m) => [m.id, m.labels]));
    const plan = planBatches(strategy, members);
    for (let i = 0; i < plan.length; i += INSERT_CHUNK) {
      await this.tx.insert(rolloutHosts).values(
        plan.slice(i, i + INSERT_CHUNK).map((p) => ({
          rolloutId: this.r.id,
          hostId: p.hostId,
          tenantId: this.r.tenantId,
          batch: p.batch,
          budgetGroup: budgetGroupOf(strategy, labelsOf.get(p.hostId) ?? {}),
        })),
      );
    }
    const batchCount = plan.reduce((n, p) => Math.max(n, p.batch + 1), 0);
    this.set({ status: "running", startedAt: this.now, batchCount, currentBatch: 0, waiting: null });
    this.events.push({ type: "started", message: `${members.length} hosts in ${batchCount} batches` });
    if (members.length === 0) this.finish("completed", "the fleet has no hosts");
    else this.events.push({ type: "batch_started", batch: 0, message: "batch 0 started" });
  }

  private async loadHosts() {
    const hosts = this.service.deps.hosts.hostsView(this.tx).as("h");
    const commands = this.service.deps.commands.commandsView(this.tx).as("c");
    this.hosts = await this.tx
      .select({
        hostId: rolloutHosts.hostId,
        batch: rolloutHosts.batch,
        budgetGroup: rolloutHosts.budgetGroup,
        status: rolloutHosts.status,
        commandId: rolloutHosts.commandId,
        startedAt: rolloutHosts.startedAt,
        hostStatus: hosts.status,
        environmentId: hosts.environmentId,
        agentVersion: hosts.agentVersion,
        commandStatus: commands.status,
        commandError: commands.error,
        commandResult: commands.result,
        previous: rolloutHosts.previous,
        rollback: rolloutHosts.rollback,
        rollbackAt: rolloutHosts.rollbackAt,
      })
      .from(rolloutHosts)
      .innerJoin(hosts, eq(hosts.id, rolloutHosts.hostId))
      .leftJoin(commands, eq(commands.id, rolloutHosts.commandId))
      .where(eq(rolloutHosts.rolloutId, this.r.id));
    if (this.r.target.kind === "policy_set") await this.loadPolicyStates();
  }

  /**
   * policy_set: whether each host's agent acknowledged enforcing its current set (the environment's policies and
   * the host's own), exactly the content last sent to it, and whether that set holds the target's policies.
   */
  private async loadPolicyStates() {
    if (this.r.target.kind !== "policy_set") return;
    const { environments, safety, policies } = this.service.deps;
    const watched = this.hosts.filter(
      (h) => h.status === "updating" || h.status === "succeeded" || h.rollback === "applying",
    );
    const ids = watched.map((h) => h.hostId);
    const [sets, states, assigned] = [
      await environments.policySetsOf(
        this.r.tenantId,
        watched.map((h) => ({ id: h.hostId, environmentId: h.environmentId })),
        this.tx,
      ),
      await safety.policyStatesOf(this.tx, this.r.tenantId, ids),
      await policies.assignedTo(this.tx, this.r.tenantId, ids),
    ];
    const wanted = this.r.target.policyIds;
    for (const h of watched) {
      const set = sets.get(h.hostId)!;
      const state = states.get(h.hostId);
      const mine = new Set((assigned.get(h.hostId) ?? []).map((p) => p.id));
      const acknowledged =
        state !== undefined && state.fingerprint === set.fingerprint && state.enforced === state.desired;
      h.policyApplied = wanted.every((id) => mine.has(id)) && acknowledged;
      if (h.previous?.policyIds) h.previousApplied = setKey([...mine]) === setKey(h.previous.policyIds) && acknowledged;
    }
  }

  /** Where an updating host stands with a release: its update command, and the version its agent reports. */
  private releaseOutcome(h: HostState, overdue: boolean): { status: HostStatus; error?: string } | undefined {
    if (this.r.target.kind !== "release") return;
    const { version } = this.r.target;
    let outcome: { status: HostStatus; error?: string } | undefined;
    if (h.commandStatus === "completed" && h.agentVersion === version) outcome = { status: "succeeded" };
    else if (h.commandStatus === "completed" && overdue)
      outcome = { status: "failed", error: `update completed but the host reports version ${h.agentVersion}` };
    else if (h.commandStatus === "failed" || h.commandStatus === null)
      outcome = { status: "failed", error: h.commandError ?? "update command deleted" };
    else if (h.commandStatus === "cancelled")
      outcome =
        this.r.status === "aborted"
          ? { status: "skipped", error: "rollout aborted before it started" }
          : { status: "failed", error: h.commandError ?? "cancelled" };
    else if (h.commandStatus === "expired")
      // Never started: an offline host is retried when it is back; an online one that let it expire failed.
      outcome =
        h.hostStatus === "offline" && this.r.status !== "aborted"
          ? { status: "pending", error: "host offline: retried when back" }
          : { status: "failed", error: h.commandError ?? "expired" };
    else if (this.r.status === "aborted" && h.commandStatus === "pending" && h.commandId)
      this.toCancel.push(h.commandId);
    return outcome;
  }

  /**
   * Where an updating host stands with a policy set: succeeded only once its agent acknowledged the set (nothing is
   * shown applied that the agent did not apply); past the host timeout, failed if online, retried if offline.
   */
  private policyOutcome(h: HostState, overdue: boolean): { status: HostStatus; error?: string } | undefined {
    if (h.policyApplied) return { status: "succeeded" };
    if (!overdue) return;
    if (h.hostStatus === "offline" && this.r.status !== "aborted")
      return { status: "pending", error: "host offline: retried when back" };
    return {
      status: "failed",
      error: `the agent did not acknowledge enforcing the policy set within ${this.r.strategy.hostTimeoutSeconds}s`,
    };
  }

  /**
   * Where an updating host stands with an app version: succeeded only when its agent's report of the deploy command
   * says every app of the manifest runs healthy at that version (nothing is shown done that the agent did not apply).
   */
  private appOutcome(h: HostState): { status: HostStatus; error?: string } | undefined {
    if (this.r.target.kind !== "app") return;
    const { app, version } = this.r.target;
    if (h.commandStatus === "completed")
      return healthyAt(h.commandResult, app, version)
        ? { status: "succeeded" }
        : { status: "failed", error: `the agent did not report ${app} healthy at version ${version}` };
    if (h.commandStatus === "failed" || h.commandStatus === null)
      return { status: "failed", error: h.commandError ?? "deploy command deleted" };
    if (h.commandStatus === "cancelled")
      return this.r.status === "aborted"
        ? { status: "skipped", error: "rollout aborted before it started" }
        : { status: "failed", error: h.commandError ?? "cancelled" };
    if (h.commandStatus === "expired")
      return h.hostStatus === "offline" && this.r.status !== "aborted"
        ? { status: "pending", error: "host offline: retried when back" }
        : { status: "failed", error: h.commandError ?? "expired" };
    if (this.r.status === "aborted" && h.commandStatus === "pending" && h.commandId) this.toCancel.push(h.commandId);
    return;
  }

  /** Moves updating hosts to what their agents report (the update command and version, or the enforced policy set). */
  private async settleHosts() {
    const timeoutMs = this.r.strategy.hostTimeoutSeconds * 1000;
    const target = this.r.target;
    const done =
      target.kind === "release"
        ? `updated to ${target.version}`
        : target.kind === "app"
          ? `app ${target.app} healthy at version ${target.version}`
          : "policy set enforced";
    for (const h of this.hosts.filter((x) => x.status === "updating")) {
      const overdue = h.startedAt !== null && this.now.getTime() - h.startedAt.getTime() > timeoutMs + 10_000;
      const outcome =
        target.kind === "release"
          ? this.releaseOutcome(h, overdue)
          : target.kind === "app"
            ? this.appOutcome(h)
            : this.policyOutcome(h, overdue);
      if (!outcome) continue;
      // app: what the agent ran before, from its report (kept from the first attempt): an abort may restore it.
      if (target.kind === "app" && h.previous === null) {
        const before = (h.commandResult as AppReport | null)?.previousVersion;
        if (before !== undefined) {
          h.previous = { appVersion: before };
          await this.tx
            .update(rolloutHosts)
            .set({ previous: h.previous })
            .where(and(eq(rolloutHosts.rolloutId, this.r.id), eq(rolloutHosts.hostId, h.hostId)));
        }
      }
      h.status = outcome.status;
      const finished = outcome.status === "pending" ? null : this.now;
      await this.tx
        .update(rolloutHosts)
        .set({
          status: outcome.status,
          error: outcome.error ?? null,
          finishedAt: finished,
          ...(outcome.status === "pending" ? { commandId: null } : {}),
        })
        .where(and(eq(rolloutHosts.rolloutId, this.r.id), eq(rolloutHosts.hostId, h.hostId)));
      this.events.push({
        type: `host_${outcome.status === "pending" ? "requeued" : outcome.status}`,
        hostId: h.hostId,
        batch: h.batch,
        message: outcome.error ?? done,
      });
    }
  }

  private async drive(): Promise<void> {
    const strategy = this.r.strategy;
    const failed = this.hosts.filter((h) => h.status === "failed").length;
    const limit = failureLimit(strategy, this.hosts.length);
    if (failed - this.r.failuresAccepted >= limit) {
      const reason = `failure threshold reached: ${failed - this.r.failuresAccepted} hosts failed (threshold ${limit})`;
      this.set({ status: "paused", reason, waiting: null });
      this.events.push({ type: "paused", batch: this.r.currentBatch, message: reason });
      this.pausedReason = reason;
      return;
    }
    if (this.r.awaitingApproval) return;
    const b = this.r.currentBatch;
    const batch = this.hosts.filter((h) => h.batch === b);
    const succeeded = batch.filter((h) => h.status === "succeeded").length;
    const needed = Math.ceil((strategy.successThresholdPercent * batch.length) / 100);
    const updating = batch.some((h) => h.status === "updating");
    const pendingOnline = batch.some((h) => h.status === "pending" && h.hostStatus !== "offline");
    if (!updating && !pendingOnline && succeeded >= needed) return this.finishBatch(batch);
    if (!updating && !batch.some((h) => h.status === "pending") && succeeded < needed) {
      const reason = `batch ${b}: ${succeeded} of ${batch.length} hosts succeeded (threshold ${strategy.successThresholdPercent}%)`;
      this.set({ status: "paused", reason, waiting: null });
      this.events.push({ type: "paused", batch: b, message: reason });
      this.pausedReason = reason;
      return;
    }
    await this.dispatch();
  }

  /** The batch is done: wait for health, check it held, then ask for approval or start the next one. */
  private async finishBatch(batch: HostState[]): Promise<void> {
    const b = this.r.currentBatch;
    if (!this.r.healthUntil) {
      const healthUntil = new Date(this.now.getTime() + this.r.strategy.healthWaitSeconds * 1000);
      this.set({ healthUntil });
      this.events.push({ type: "batch_finished", batch: b, message: `batch ${b} finished` });
    }
    if (this.now < this.r.healthUntil!) return this.wait("health", `batch ${b}: health wait`);
    // Health: every updated host of the batch still online and at the target (its version, or its policy set).
    const target = this.r.target;
    // app: the deploy's report is the agent's last word on the apps' health; online is what can be checked since.
    const atTarget = (h: HostState) =>
      target.kind === "release"
        ? h.agentVersion === target.version
        : target.kind === "app"
          ? true
          : h.policyApplied === true;
    const unhealthy = batch.filter((h) => h.status === "succeeded" && (h.hostStatus !== "online" || !atTarget(h)));
    if (unhealthy.length && this.r.strategy.healthWaitSeconds > 0) {
      for (const h of unhealthy) {
        const error =
          target.kind === "release" || target.kind === "app"
            ? `unhealthy after the update: ${h.hostStatus}${target.kind === "release" ? `, version ${h.agentVersion}` : ""}`
            : `unhealthy after the update: ${h.hostStatus}, ${h.policyApplied ? "policy set enforced" : "policy set no longer enforced"}`;
        h.status = "failed";
        await this.tx
          .update(rolloutHosts)
          .set({ status: "failed", error })
          .where(and(eq(rolloutHosts.rolloutId, this.r.id), eq(rolloutHosts.hostId, h.hostId)));
        this.events.push({ type: "host_failed", hostId: h.hostId, batch: b, message: error });
      }
      return this.drive();
    }
    if (b + 1 >= this.r.batchCount) {
      const pendingLeft = this.hosts.some((h) => h.status === "pending" || h.status === "updating");
      if (pendingLeft) return this.dispatch();
      const failed = this.hosts.filter((h) => h.status === "failed").length;
      return this.finish(
        "completed",
        `all batches done: ${this.hosts.length - failed} hosts updated, ${failed} failed`,
      );
    }
    if (this.r.strategy.requireApproval) {
      this.set({ awaitingApproval: true });
      return this.wait("approval", `batch ${b} healthy: waiting for approval of batch ${b + 1}`);
    }
    this.set({ currentBatch: b + 1, healthUntil: null, waiting: null });
    this.events.push({ type: "batch_started", batch: b + 1, message: `batch ${b + 1} started` });
    await this.drive();
  }

  /** Starts pending hosts of the batches so far that are online, within the disruption budget and a window. */
  private async dispatch() {
    const strategy = this.r.strategy;
    const candidates = this.hosts.filter(
      (h) => h.status === "pending" && h.batch <= this.r.currentBatch && h.hostStatus === "online",
    );
    if (candidates.length === 0) {
      const offline = this.hosts.some((h) => h.status === "pending" && h.batch <= this.r.currentBatch);
      return this.wait(offline ? "hosts" : "updates", offline ? "waiting for offline hosts to come back" : undefined);
    }
    if (!inMaintenanceWindow(strategy, this.now)) return this.wait("window", "outside every maintenance window");
    const { target } = this.r;
    if (target.kind === "release" && this.context.currentReleaseId !== target.releaseId)
      return this.finish("failed", `release ${target.version} is no longer the current release of ${target.channel}`);
    // Unavailable per budget group: hosts being updated, and hosts offline (whatever their progress).
    const size = new Map<string, number>();
    const down = new Map<string, number>();
    for (const h of this.hosts) {
      if (h.status === "skipped") continue;
      size.set(h.budgetGroup, (size.get(h.budgetGroup) ?? 0) + 1);
      if (h.status === "updating" || h.hostStatus === "offline")
        down.set(h.budgetGroup, (down.get(h.budgetGroup) ?? 0) + 1);
    }
    const chosen: HostState[] = [];
    for (const h of candidates) {
      const g = h.budgetGroup;
      if (budgetLeft(strategy, size.get(g)!, down.get(g) ?? 0) <= 0) continue;
      down.set(g, (down.get(g) ?? 0) + 1);
      chosen.push(h);
    }
    if (chosen.length === 0) return this.wait("budget", "disruption budget exhausted: waiting for hosts to finish");
    if (target.kind === "policy_set") return this.assignPolicies(chosen, target.policyIds);
    if (target.kind === "app") return this.deployApp(chosen, target.version, "host_started");
    const rows = await this.service.deps.updates.grantMany(
      this.tx,
      this.r.tenantId,
      `rollout:${this.r.id}`,
      chosen.map((h) => h.hostId),
      { channel: target.channel, targetVersion: target.version, ttlSeconds: strategy.hostTimeoutSeconds },
    );
    const commands = this.service.deps.commands.commandsView(this.tx).as("c");
    await this.tx
      .update(rolloutHosts)
      .set({
        status: "updating",
        commandId: commands.id,
        attempts: sql`${rolloutHosts.attempts} + 1`,
        startedAt: this.now,
        finishedAt: null,
        error: null,
      })
      .from(commands)
      .where(
        and(
          eq(rolloutHosts.rolloutId, this.r.id),
          eq(commands.hostId, rolloutHosts.hostId),
          inArray(
            commands.id,
            rows.map((c) => c.id),
          ),
        ),
      );
    for (const h of chosen) h.status = "updating";
    this.dispatched = rows;
    this.wait(null);
    this.events.push(
      ...chosen.map((h) => ({
        type: "host_started",
        hostId: h.hostId,
        batch: h.batch,
        message: `update to ${target.version} granted`,
      })),
    );
  }

  /**
   * Abort with rollback: hosts the rollout changed get back what they had (policy_set: their own set before, or
   * none), delivered to their agents after the commit; each is rolled back once its agent acknowledged enforcing
   * it. Past the host timeout an online host's rollback failed; an offline one gets its set when it is back.
   */
  private async rollBack() {
    if (this.r.target.kind === "app") return this.rollBackApps();
    if (this.r.target.kind !== "policy_set") return;
    const timeoutMs = this.r.strategy.hostTimeoutSeconds * 1000 + 10_000;
    const mark = async (hostIds: string[], set: Partial<typeof rolloutHosts.$inferInsert>) => {
      if (hostIds.length)
        await this.tx
          .update(rolloutHosts)
          .set(set)
          .where(and(eq(rolloutHosts.rolloutId, this.r.id), inArray(rolloutHosts.hostId, hostIds)));
    };
    // Rollbacks under way: acknowledged, or overdue.
    const done: HostState[] = [];
    const failed: HostState[] = [];
    for (const h of this.hosts.filter((x) => x.rollback === "applying")) {
      if (h.previousApplied) done.push(h);
      else if (
        h.hostStatus !== "offline" &&
        h.rollbackAt !== null &&
        this.now.getTime() - h.rollbackAt.getTime() > timeoutMs
      )
        failed.push(h);
    }
    await mark(
      done.map((h) => h.hostId),
      { rollback: "done" },
    );
    await mark(
      failed.map((h) => h.hostId),
      { rollback: "failed" },
    );
    for (const h of done) h.rollback = "done";
    for (const h of failed) h.rollback = "failed";
    const restored = (h: HostState) =>
      (h.previous!.policyIds ?? []).length
        ? `policy set restored: [${(h.previous!.policyIds ?? []).join(", ")}]`
        : "own policy set removed";
    this.events.push(
      ...done.map((h) => ({ type: "host_rolled_back", hostId: h.hostId, batch: h.batch, message: restored(h) })),
      ...failed.map((h) => ({
        type: "host_rollback_failed",
        hostId: h.hostId,
        batch: h.batch,
        message: `the agent did not acknowledge the restored policy set within ${this.r.strategy.hostTimeoutSeconds}s`,
      })),
    );
    // New rollbacks: every host the rollout changed (its set was assigned, acknowledged or not).
    const start = this.hosts.filter((h) => h.previous?.policyIds !== undefined && h.rollback === null);
    if (start.length === 0) return;
    const groups = new Map<string, { policyIds: string[]; hostIds: string[] }>();
    for (const h of start) {
      const key = setKey(h.previous!.policyIds ?? []);
      const group = groups.get(key) ?? { policyIds: h.previous!.policyIds ?? [], hostIds: [] };
      group.hostIds.push(h.hostId);
      groups.set(key, group);
    }
    for (const group of groups.values())
      await this.service.deps.policies.assignToHosts(
        this.tx,
        this.r.tenantId,
        group.hostIds,
        group.policyIds,
        `rollout:${this.r.id}:rollback`,
      );
    await mark(
      start.map((h) => h.hostId),
      { rollback: "applying", rollbackAt: this.now },
    );
    // Hosts still updating never finish this rollout: their change is being undone.
    const unfinished = start.filter((h) => h.status === "updating").map((h) => h.hostId);
    await mark(unfinished, { status: "skipped", error: "rollout aborted: rolled back", finishedAt: this.now });
    for (const h of start) {
      h.rollback = "applying";
      if (h.status === "updating") h.status = "skipped";
    }
    this.policiesAssigned = true;
    this.events.push(
      ...start.map((h) => ({
        type: "host_rollback_started",
        hostId: h.hostId,
        batch: h.batch,
        message: (h.previous!.policyIds ?? []).length
          ? `restoring policy set [${(h.previous!.policyIds ?? []).join(", ")}]`
          : "removing the rollout's policy set",
      })),
    );
  }

  /**
   * app: one `app.deploy` command per chosen host carrying the manifest text of `version` (delivered after the
   * commit like any command; the agent's safety policy decides on it and on each app start).
   */
  private async deployApp(chosen: HostState[], version: number, event: "host_started" | "host_rollback_started") {
    if (this.r.target.kind !== "app" || chosen.length === 0) return;
    const { app } = this.r.target;
    const row = await this.service.deps.appManifests.version(this.tx, this.r.tenantId, app, version);
    if (!row) throw new Error(`app manifest ${app} version ${version} is gone`);
    const ttl = this.r.strategy.hostTimeoutSeconds;
    const rows = await this.service.deps.commands.insertMany(
      this.tx,
      this.r.tenantId,
      chosen.map((h) => ({
        hostId: h.hostId,
        kind: APP_DEPLOY_KIND,
        params: { app, version, sha256: row.sha256, manifest: row.manifest },
        ttlSeconds: ttl,
        timeoutMs: ttl * 1000,
      })),
    );
    const commandOf = new Map(rows.map((c) => [c.hostId, c.id]));
    for (const h of chosen) {
      const patch =
        event === "host_started"
          ? {
              status: "updating" as const,
              commandId: commandOf.get(h.hostId)!,
              attempts: sql`${rolloutHosts.attempts} + 1`,
              startedAt: this.now,
              finishedAt: null,
              error: null,
            }
          : { commandId: commandOf.get(h.hostId)!, rollback: "applying" as const, rollbackAt: this.now };
      await this.tx
        .update(rolloutHosts)
        .set(patch)
        .where(and(eq(rolloutHosts.rolloutId, this.r.id), eq(rolloutHosts.hostId, h.hostId)));
      if (event === "host_started") h.status = "updating";
      else h.rollback = "applying";
    }
    this.dispatched.push(...rows);
    if (event === "host_started") this.wait(null);
    this.events.push(
      ...chosen.map((h) => ({
        type: event,
        hostId: h.hostId,
        batch: h.batch,
        message: `${APP_DEPLOY_KIND} of ${app} version ${version} sent`,
      })),
    );
  }

  /** Abort with rollback of an app: each changed host runs the version it ran before (none before: it stays). */
  private async rollBackApps() {
    if (this.r.target.kind !== "app") return;
    const { app } = this.r.target;
    const mark = async (h: HostState, rollback: RolloutRollbackStatus, type: string, message: string) => {
      h.rollback = rollback;
      await this.tx
        .update(rolloutHosts)
        .set({ rollback })
        .where(and(eq(rolloutHosts.rolloutId, this.r.id), eq(rolloutHosts.hostId, h.hostId)));
      this.events.push({ type, hostId: h.hostId, batch: h.batch, message });
    };
    for (const h of this.hosts.filter((x) => x.rollback === "applying")) {
      const to = h.previous?.appVersion;
      if (typeof to !== "number") continue;
      if (h.commandStatus === "completed" && healthyAt(h.commandResult, app, to))
        await mark(h, "done", "host_rolled_back", `app ${app} healthy at version ${to} again`);
      else if (h.commandStatus && ["completed", "failed", "cancelled", "expired"].includes(h.commandStatus))
        await mark(
          h,
          "failed",
          "host_rollback_failed",
          h.commandError ?? `the agent did not report ${app} healthy at version ${to}`,
        );
    }
    const start = this.hosts.filter((h) => h.previous?.appVersion !== undefined && h.rollback === null);
    const byVersion = new Map<number, HostState[]>();
    for (const h of start) {
      const to = h.previous!.appVersion;
      if (typeof to !== "number") {
        await mark(h, "none", "host_rollback_skipped", `no earlier version of ${app} ran on this host: it stays`);
        continue;
      }
      byVersion.set(to, [...(byVersion.get(to) ?? []), h]);
    }
    for (const [version, hosts] of byVersion) await this.deployApp(hosts, version, "host_rollback_started");
  }

  /** policy_set: the chosen hosts get the set assigned (their agents receive it after the commit). */
  private async assignPolicies(chosen: HostState[], policyIds: string[]) {
    const hostIds = chosen.map((h) => h.hostId);
    // What each host had before (its own set, maybe none), kept from the first attempt: an abort may restore it.
    const fresh = chosen.filter((h) => h.previous === null).map((h) => h.hostId);
    const before = await this.service.deps.policies.assignedTo(this.tx, this.r.tenantId, fresh);
    const byPrevious = new Map<string, { policyIds: string[]; hostIds: string[] }>();
    for (const hostId of fresh) {
      const ids = (before.get(hostId) ?? []).map((p) => p.id).sort();
      const group = byPrevious.get(ids.join(",")) ?? { policyIds: ids, hostIds: [] };
      group.hostIds.push(hostId);
      byPrevious.set(ids.join(","), group);
    }
    for (const group of byPrevious.values())
      await this.tx
        .update(rolloutHosts)
        .set({ previous: { policyIds: group.policyIds } })
        .where(and(eq(rolloutHosts.rolloutId, this.r.id), inArray(rolloutHosts.hostId, group.hostIds)));
    await this.service.deps.policies.assignToHosts(
      this.tx,
      this.r.tenantId,
      hostIds,
      policyIds,
      `rollout:${this.r.id}`,
    );
    await this.tx
      .update(rolloutHosts)
      .set({
        status: "updating",
        commandId: null,
        attempts: sql`${rolloutHosts.attempts} + 1`,
        startedAt: this.now,
        finishedAt: null,
        error: null,
      })
      .where(and(eq(rolloutHosts.rolloutId, this.r.id), inArray(rolloutHosts.hostId, hostIds)));
    for (const h of chosen) h.status = "updating";
    this.policiesAssigned = true;
    this.wait(null);
    this.events.push(
      ...chosen.map((h) => ({
        type: "host_started",
        hostId: h.hostId,
        batch: h.batch,
        message: "policy set assigned",
      })),
    );
  }
}
