/**
 * Worker enrollment: one-time worker tokens (admin), registration that creates or links the machine (a host)
 * and its runtime identity, token refresh and recovery. Tokens and recovery secrets are stored hashed.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db } from "../../db/connect";
import { workerTokens } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { invalid, notFound, unauthenticated } from "../../lib/errors";
import type { UserPrincipal } from "../auth/principal";
import type { HostService } from "../hosts/service";
import { labelsProblem } from "@edge/proto/labels";
import type { RuntimeService } from "../runtime/service";
import type { WorkerRegisterBody, WorkerTokenCreateBody } from "./model";

export const WORKER_TOKEN_PREFIX = "wkt_";
type TokenRow = typeof workerTokens.$inferSelect;

const statusOf = (row: TokenRow, now = Date.now()) =>
  row.revokedAt ? "revoked" : row.usedAt ? "used" : row.expiresAt.getTime() <= now ? "expired" : "active";

const present = (row: TokenRow) => ({
  id: row.id,
  name: row.name,
  status: statusOf(row),
  machineId: row.hostId,
  expiresAt: row.expiresAt,
  usedAt: row.usedAt,
  revokedAt: row.revokedAt,
  createdAt: row.createdAt,
});

export class WorkerService {
  constructor(
    private readonly db: Db,
    private readonly runtime: RuntimeService,
    private readonly defaultTtlSeconds: number,
    private readonly hosts: HostService,
  ) {}

  async createToken(principal: UserPrincipal, input: Static<typeof WorkerTokenCreateBody>) {
    const token = newSecret(WORKER_TOKEN_PREFIX);
    const [row] = await this.db
      .insert(workerTokens)
      .values({
        id: newId("wtok"),
        tenantId: principal.tenantId,
        name: input.name ?? "worker",
        tokenHash: hashSecret(token),
        createdBy: principal.userId,
        expiresAt: new Date(Date.now() + (input.ttlSeconds ?? this.defaultTtlSeconds) * 1000),
      })
      .returning();
    return { ...present(row!), token };
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(workerTokens)
      .where(eq(workerTokens.tenantId, tenantId))
      .orderBy(desc(workerTokens.createdAt));
    return rows.map(present);
  }

  private async find(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(workerTokens)
      .where(and(eq(workerTokens.id, id), eq(workerTokens.tenantId, tenantId)));
    if (!row) throw notFound("worker token");
    return row;
  }

  /** Revoking an unused token makes it useless; a used one stays linked (revoke the machine's identity to cut it off). */
  async revoke(tenantId: string, id: string) {
    const row = await this.find(tenantId, id);
    if (row.revokedAt) return present(row);
    const [updated] = await this.db
      .update(workerTokens)
      .set({ revokedAt: new Date() })
      .where(eq(workerTokens.id, id))
      .returning();
    return present(updated!);
  }

  async status(tenantId: string, id: string) {
    const row = await this.find(tenantId, id);
    const machine = row.hostId ? await this.hosts.workerView(row.hostId) : undefined;
    return { ...present(row), machine: machine ?? null };
  }

  /**
   * Registers a worker with a one-time token: creates the machine (or links the one that enrolled with the same
   * machineId), gives it a runtime identity and returns its tokens plus a one-time recovery secret.
   * An unknown, used, revoked or expired token is one 401.
   */
  async register(input: Static<typeof WorkerRegisterBody>) {
    // Checked before the token is spent: a bad label must not burn a one-time worker token.
    const problem = input.labels ? labelsProblem(input.labels) : undefined;
    if (problem) throw invalid(`invalid labels: ${problem}`);
    const { revoked, response, hostId } = await this.db.transaction(async (tx) => {
      const now = new Date();
      const [token] = await tx
        .update(workerTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(workerTokens.tokenHash, hashSecret(input.token)),
            isNull(workerTokens.usedAt),
            isNull(workerTokens.revokedAt),
            sql`${workerTokens.expiresAt} > ${now.toISOString()}::timestamptz`,
          ),
        )
        .returning();
      if (!token) throw unauthenticated("invalid, used, revoked or expired worker token");
      const machine = {
        capabilities: input.capabilities ?? [],
        hardware: input.hardware ?? {},
        ...(input.maxConcurrentTasks !== undefined ? { maxConcurrentTasks: input.maxConcurrentTasks } : {}),
        updatedAt: now,
      };
      const host = await this.hosts.enrollMachine(
        tx,
        token.tenantId,
        input.machineId,
        input.name ?? input.machineId,
        machine,
      );
      // The worker's labels merge like an agent's at enrollment: labels an operator set win.
      if (input.labels) await this.hosts.reportAgentLabels(tx, token.tenantId, host.id, input.labels);
      await tx.update(workerTokens).set({ hostId: host!.id }).where(eq(workerTokens.id, token.id));
      const enrolled = await this.runtime.enroll(tx, {
        tenantId: token.tenantId,
        hostId: host!.id,
        createdBy: token.createdBy,
        name: input.name ?? input.machineId,
        runtimeVersion: input.runtimeVersion,
      });
      return { ...enrolled, hostId: host!.id };
    });
    this.runtime.announceRevoked(revoked);
    return { ...response, machineId: hostId, workerMachineId: input.machineId };
  }

  /** Installation-wide count of connected workers (online machines with a live identity). */
  async health() {
    const connectedWorkers = await this.hosts.countOnlineAmong(this.runtime.hostsWithUnrevokedIdentity());
    return { status: "ok", connectedWorkers };
  }
}
