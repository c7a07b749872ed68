/** Releases (signed manifests per channel), update checks, one-time grants, applies and reports. */
import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { commands, hosts, releaseScripts, releases, runtimeIdentities, updateGrants } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { HttpError, badRequest, conflict, notFound } from "../../http/errors";
import { compareVersions, sha256Hex, verifySignedManifest, type ReleaseManifest, type SignedManifest } from "../../../../proto/release";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { CommandService } from "../commands/service";
import type { RuntimePrincipal } from "../runtime/principal";
import { safeScriptPath } from "./paths";

const DEFAULT_CHANNEL = "stable";
type Release = typeof releases.$inferSelect;

export class UpdateService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly commands: CommandService,
    /** Base64 keys releases must be signed with; empty = any key that verifies its own signature. */
    private readonly trustedKeys: string[],
    private readonly publicUrl: string,
  ) {}

  /** Stores a release. The control plane checks consistency; agents verify against their pinned key. */
  async publish(principal: UserPrincipal, signed: SignedManifest, scripts: { path: string; body: string }[]) {
    if (this.trustedKeys.length && !this.trustedKeys.includes(signed.publicKey)) throw badRequest("release is not signed with a trusted key");
    let manifest: ReleaseManifest;
    try {
      manifest = verifySignedManifest(signed, signed.publicKey);
    } catch (error) {
      throw badRequest(`invalid signed manifest: ${(error as Error).message}`);
    }
    const expiresAt = new Date(manifest.expiresAt);
    if (!manifest.channel || !manifest.version || Number.isNaN(expiresAt.getTime())) throw badRequest("manifest needs channel, version and expiresAt");
    const bodies = new Map(scripts.map((s) => [s.path, s.body]));
    for (const script of manifest.scripts) {
      if (!safeScriptPath(script.path)) throw badRequest(`unsafe script path ${script.path}`);
      const body = bodies.get(script.path);
      if (body === undefined) throw badRequest(`missing body for script ${script.path}`);
      if (sha256Hex(body) !== script.sha256) throw badRequest(`script ${script.path} does not match its sha256`);
    }
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(releases)
        .values({
          id: newId("rel"),
          tenantId: principal.tenantId,
          channel: manifest.channel,
          version: manifest.version,
          notes: manifest.notes ?? "",
          manifest: signed.manifest,
          signature: signed.signature,
          publicKey: signed.publicKey,
          expiresAt,
          publishedBy: principal.userId,
        })
        .returning();
      if (manifest.scripts.length) {
        await tx
          .insert(releaseScripts)
          .values(manifest.scripts.map((s) => ({ releaseId: row!.id, path: s.path, sha256: s.sha256, body: bodies.get(s.path)! })));
      }
      await this.audit.record({ tenantId: principal.tenantId, actor: principal.userId, action: "release.published", detail: { channel: manifest.channel, version: manifest.version } }, tx);
      return this.presentRelease(row!);
    });
  }

  async listReleases(tenantId: string, channel?: string) {
    const rows = await this.db
      .select()
      .from(releases)
      .where(and(eq(releases.tenantId, tenantId), channel ? eq(releases.channel, channel) : undefined))
      .orderBy(desc(releases.createdAt));
    return rows.map((r) => this.presentRelease(r));
  }

  /** The channel's newest release (by version), if any. */
  async latest(tenantId: string, channel = DEFAULT_CHANNEL): Promise<Release | undefined> {
    const rows = await this.db.select().from(releases).where(and(eq(releases.tenantId, tenantId), eq(releases.channel, channel)));
    return rows.sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  async manifest(principal: RuntimePrincipal, channel = DEFAULT_CHANNEL) {
    const release = await this.latest(principal.tenantId, channel);
    if (!release) throw notFound(`release on channel ${channel}`);
    return { ok: true, channel, version: release.version, notes: release.notes, publishedAt: release.createdAt, signedManifest: signedOf(release) };
  }

  async script(principal: RuntimePrincipal, path: string): Promise<string> {
    if (!safeScriptPath(path)) throw badRequest("invalid script path");
    const [row] = await this.db
      .select({ body: releaseScripts.body })
      .from(releaseScripts)
      .innerJoin(releases, eq(releases.id, releaseScripts.releaseId))
      .where(and(eq(releases.tenantId, principal.tenantId), eq(releaseScripts.path, path)))
      .orderBy(desc(releases.createdAt))
      .limit(1);
    if (!row) throw notFound("script");
    return row.body;
  }

  async check(principal: RuntimePrincipal, currentVersion: string, channel = DEFAULT_CHANNEL) {
    return this.offer(principal, currentVersion, channel, await this.latest(principal.tenantId, channel));
  }

  /** The update decision for a runtime on `release` (the channel's newest, already looked up). */
  private offer(principal: RuntimePrincipal, currentVersion: string, channel: string, release: Release | undefined) {
    const manifest = release ? (JSON.parse(release.manifest) as ReleaseManifest) : undefined;
    const updateAvailable = Boolean(release && compareVersions(release.version, currentVersion) > 0);
    return {
      ok: true,
      runtimeId: principal.runtimeId,
      agentId: principal.hostId,
      userId: principal.userId,
      channel,
      currentVersion,
      targetVersion: release?.version ?? currentVersion,
      updateAvailable,
      requiresApproval: true,
      notes: release?.notes ?? "",
      scripts: (manifest?.scripts ?? []).map((s) => ({
        ...s,
        url: `${this.publicUrl}/api/runtime/updates/scripts?path=${encodeURIComponent(s.path)}`,
      })),
      signedManifest: release ? signedOf(release) : null,
    };
  }

  /** A one-time grant for one agent; `deliver` also sends the agent a `runtime.update` command. */
  async grant(principal: UserPrincipal, hostId: string, opts: { channel?: string; targetVersion?: string; ttlSeconds?: number; deliver?: boolean }) {
    const [host] = await this.db.select({ id: hosts.id }).from(hosts).where(and(eq(hosts.id, hostId), eq(hosts.tenantId, principal.tenantId)));
    if (!host) throw notFound("agent");
    const channel = opts.channel ?? DEFAULT_CHANNEL;
    const grantToken = newSecret("rtug_");
    const expiresAt = new Date(Date.now() + (opts.ttlSeconds ?? 300) * 1000);
    const [row] = await this.db
      .insert(updateGrants)
      .values({
        id: newId("grant"),
        tenantId: principal.tenantId,
        hostId,
        tokenHash: hashSecret(grantToken),
        channel,
        targetVersion: opts.targetVersion ?? null,
        createdBy: principal.userId,
        expiresAt,
      })
      .returning();
    await this.audit.record({ tenantId: principal.tenantId, hostId, actor: principal.userId, action: "update.granted", detail: { grantId: row!.id, channel, targetVersion: opts.targetVersion ?? null } });
    let commandId: string | undefined;
    if (opts.deliver) {
      const command = await this.commands.create(principal.tenantId, {
        hostId,
        kind: "runtime.update",
        params: { grantToken, channel, ...(opts.targetVersion ? { targetVersion: opts.targetVersion } : {}) },
      });
      commandId = command.id;
    }
    return { grantId: row!.id, grantToken, agentId: hostId, channel, targetVersion: opts.targetVersion ?? null, expiresAt: expiresAt.toISOString(), commandId };
  }

  /** Consumes the grant (once) and authorises the agent to run the release's scripts. */
  async apply(principal: RuntimePrincipal, input: { approved: boolean; grantToken: string; currentVersion: string; channel?: string; targetVersion: string }) {
    const channel = input.channel ?? DEFAULT_CHANNEL;
    if (input.approved !== true) throw badRequest("approved must be true");
    const release = await this.latest(principal.tenantId, channel);
    if (!release || release.version !== input.targetVersion) throw conflict(`${input.targetVersion} is not the current release of ${channel}`);
    const now = new Date();
    const [grant] = await this.db
      .update(updateGrants)
      .set({ usedAt: now })
      .where(
        and(
          eq(updateGrants.tokenHash, hashSecret(input.grantToken)),
          eq(updateGrants.tenantId, principal.tenantId),
          eq(updateGrants.hostId, principal.hostId),
          eq(updateGrants.channel, channel),
          isNull(updateGrants.usedAt),
          gt(updateGrants.expiresAt, now),
          or(isNull(updateGrants.targetVersion), eq(updateGrants.targetVersion, input.targetVersion)),
        ),
      )
      .returning();
    if (!grant) {
      await this.audit.record({ tenantId: principal.tenantId, hostId: principal.hostId, actor: principal.runtimeId, action: "update.apply_refused", detail: { targetVersion: input.targetVersion } });
      throw new HttpError(403, "invalid, used or expired grant token");
    }
    // The grant is spent: its plaintext need not live on in a delivered command.
    await this.db
      .update(commands)
      .set({ params: sql`${commands.params} - 'grantToken'` })
      .where(and(eq(commands.hostId, principal.hostId), eq(commands.kind, "runtime.update"), sql`${commands.params}->>'grantToken' = ${input.grantToken}`));
    await this.audit.record({ tenantId: principal.tenantId, hostId: principal.hostId, actor: principal.runtimeId, action: "update.apply_authorised", detail: { grantId: grant.id, fromVersion: input.currentVersion, toVersion: input.targetVersion } });
    return { ...this.offer(principal, input.currentVersion, channel, release), approved: true, canExecuteRemoteScripts: true };
  }

  async report(principal: RuntimePrincipal, input: { channel?: string; fromVersion: string; toVersion: string; status: "applied" | "failed" | "rejected"; reason?: string }) {
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId: principal.hostId,
      actor: principal.runtimeId,
      action: `update.${input.status}`,
      detail: { channel: input.channel ?? DEFAULT_CHANNEL, fromVersion: input.fromVersion, toVersion: input.toVersion, reason: input.reason ?? null },
    });
    if (input.status === "applied") {
      await this.db.update(runtimeIdentities).set({ runtimeVersion: input.toVersion }).where(eq(runtimeIdentities.id, principal.runtimeId));
      await this.db.update(hosts).set({ agentVersion: input.toVersion }).where(eq(hosts.id, principal.hostId));
    }
    return { ok: true };
  }

  private presentRelease(row: Release) {
    const manifest = JSON.parse(row.manifest) as ReleaseManifest;
    return { id: row.id, channel: row.channel, version: row.version, notes: row.notes, expiresAt: row.expiresAt, createdAt: row.createdAt, scripts: manifest.scripts, publicKey: row.publicKey };
  }
}

function signedOf(release: Release): SignedManifest {
  return { manifest: release.manifest, signature: release.signature, publicKey: release.publicKey };
}
