/**
 * Interactive terminals on hosts (task terminals and tunnels: ./channels.ts): single-use channel tokens (short-lived, bound to tenant, user and host; kept
 * hashed, in memory of this replica: the websocket must come to the replica that issued it) and the audit trail of
 * terminal sessions. The bytes go through the agents module (AgentService.openPty).
 */
import { createHash, randomBytes } from "node:crypto";
import { unauthenticated, unavailable } from "../../lib/errors";
import type { AgentService, PtyHandle, PtySink } from "../agents/service";
import type { AuditService } from "../audit/service";
import type { HostService } from "../hosts/service";
import type { UserPrincipal } from "../auth/principal";
import { withTenant } from "../../db/context";
import type { Relay, TaskChannels } from "./channels";

export const PTY_TOKEN_PREFIX = "pty_ct_";

interface Grant {
  tenantId: string;
  userId: string;
  hostId: string;
  expiresAt: number;
}

const digest = (token: string) => createHash("sha256").update(token).digest("hex");

export class PtyService {
  private readonly grants = new Map<string, Grant>();

  constructor(
    private readonly deps: { agents: AgentService; hosts: HostService; audit: AuditService },
    /** Task terminals and tunnels (any replica; tokens in the database). */
    readonly tasks: TaskChannels,
    private readonly ttlMs = 60_000,
  ) {}

  /** The shared broker the task channels relay their frames through (set once MQTT is up). */
  setRelay(relay: Relay): void {
    this.tasks.setRelay(relay);
  }

  /** A channel token for a terminal on the host: the host must be the tenant's and its agent in session here. */
  async issue(principal: UserPrincipal, hostId: string): Promise<{ channelToken: string; expiresAt: Date }> {
    await this.deps.hosts.get(principal.tenantId, hostId);
    if (!this.deps.agents.hasLiveSession(principal.tenantId, hostId))
      throw unavailable("the host's agent has no live session (terminals need the agent's gRPC session)");
    this.prune();
    const channelToken = `${PTY_TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
    const expiresAt = Date.now() + this.ttlMs;
    this.grants.set(digest(channelToken), {
      tenantId: principal.tenantId,
      userId: principal.userId,
      hostId,
      expiresAt,
    });
    return { channelToken, expiresAt: new Date(expiresAt) };
  }

  /**
   * Redeems a channel token (once) for the user on the host and opens the terminal. A token of another user, host
   * or tenant, used or expired, is refused like an unknown one.
   */
  async open(
    principal: UserPrincipal,
    hostId: string,
    channelToken: string,
    size: { cols: number; rows: number },
    sink: PtySink,
  ): Promise<PtyHandle> {
    const key = digest(channelToken);
    const grant = this.grants.get(key);
    if (
      !grant ||
      grant.expiresAt < Date.now() ||
      grant.tenantId !== principal.tenantId ||
      grant.userId !== principal.userId ||
      grant.hostId !== hostId
    )
      throw unauthenticated("invalid, expired or used channel token");
    this.grants.delete(key);
    const started = Date.now();
    const audit = (detail: Record<string, unknown>) =>
      withTenant(principal.tenantId, () =>
        this.deps.audit.record({
          tenantId: principal.tenantId,
          hostId,
          actor: principal.userId,
          action: "host.pty_session",
          target: hostId,
          detail,
        }),
      ).catch(() => {});
    const handle = this.deps.agents.openPty(principal.tenantId, hostId, size, {
      opened: () => sink.opened(),
      data: (bytes) => sink.data(bytes),
      exited: (code, error) => {
        void audit({ exitCode: code, error: error || undefined, durationMs: Date.now() - started });
        sink.exited(code, error);
      },
    });
    return handle;
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, grant] of this.grants) if (grant.expiresAt < now) this.grants.delete(key);
    if (this.grants.size > 10_000) throw unavailable("too many pending terminal tokens");
  }
}
