/**
 * MQTT telemetry consumers: subscribe-only keys `roz_mqc_...` bound to a tenant, the tenant's JSON-mirror opt-in,
 * and the broker-side configuration (Mosquitto password + ACL files, dynamic-security JSON) of the same model.
 * Owns `consumer_keys` and `consumer_settings`.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import type { Db } from "../../db/connect";
import { consumerKeys, consumerSettings } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret, secretMatches } from "../../lib/secrets";
import { notFound } from "../../lib/errors";
import type { AuditService } from "../audit/service";
import { consumerAclTopics } from "./acl";
import { JSON_MIRROR_ROOT } from "../../../../proto/wire";

export const CONSUMER_KEY_PREFIX = "roz_mqc_";
/** Key ids, which are also the MQTT usernames: `mqc_...`. */
export const CONSUMER_ID_PREFIX = "mqc";

/** How long a replica trusts its cached JSON-mirror setting of a tenant (another replica's change shows by then). */
const SETTINGS_CACHE_MS = 5_000;

/** Mosquitto's own PBKDF2 parameters (`mosquitto_passwd`, 2.x). */
const BROKER_HASH_ITERATIONS = 101;

const publicColumns = {
  id: consumerKeys.id,
  name: consumerKeys.name,
  prefix: consumerKeys.prefix,
  createdBy: consumerKeys.createdBy,
  createdAt: consumerKeys.createdAt,
  lastUsedAt: consumerKeys.lastUsedAt,
  revokedAt: consumerKeys.revokedAt,
};

export interface ConsumerIdentity {
  tenantId: string;
  keyId: string;
}

/** `$7$iterations$salt$hash`: PBKDF2-SHA512 as Mosquitto's password file and dynamic security store it. */
export function mosquittoPasswordHash(secret: string, salt = randomBytes(12), iterations = BROKER_HASH_ITERATIONS) {
  const hash = pbkdf2Sync(secret, salt, iterations, 64, "sha512");
  return `$7$${iterations}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

function parseBrokerHash(stored: string) {
  const [, , iterations, salt, hash] = stored.split("$");
  return { iterations: Number(iterations), salt: salt ?? "", password: hash ?? "" };
}

/** What the control plane's own login may use on an external broker. */
const CONTROL_PLANE_TOPICS = ["edge/#", `${JSON_MIRROR_ROOT}/#`];

interface DynsecRole {
  rolename: string;
  acls: { acltype: string; topic: string; priority: number; allow: boolean }[];
}

export interface BrokerConfig {
  /** Mosquitto `password_file` lines (`user:$7$...`). */
  passwordFile: string;
  /** Mosquitto `acl_file`. */
  aclFile: string;
  /** A complete dynamic-security.json (Mosquitto's dynamic security plugin) with the same logins and rights. */
  dynamicSecurity: {
    defaultACLAccess: Record<string, boolean>;
    clients: unknown[];
    groups: unknown[];
    roles: DynsecRole[];
  };
}

export class ConsumerService {
  private readonly mirrorCache = new Map<string, { enabled: boolean; until: number }>();
  private readonly mirrorLoads = new Map<string, Promise<boolean>>();

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly audit: AuditService,
  ) {}

  /** A new consumer key; the secret is returned here once and never again. */
  async create(owner: { tenantId: string; userId: string }, name: string) {
    const key = newSecret(CONSUMER_KEY_PREFIX);
    const [row] = await this.db
      .insert(consumerKeys)
      .values({
        id: newId(CONSUMER_ID_PREFIX),
        tenantId: owner.tenantId,
        createdBy: owner.userId,
        name,
        prefix: key.slice(0, CONSUMER_KEY_PREFIX.length + 6),
        keyHash: hashSecret(key),
        brokerHash: mosquittoPasswordHash(key),
      })
      .returning(publicColumns);
    await this.audit.record({
      tenantId: owner.tenantId,
      actor: owner.userId,
      action: "consumer_key.create",
      detail: { keyId: row!.id, name },
    });
    return { ...row!, key, mqttUsername: row!.id };
  }

  list(tenantId: string) {
    return this.db
      .select(publicColumns)
      .from(consumerKeys)
      .where(eq(consumerKeys.tenantId, tenantId))
      .orderBy(desc(consumerKeys.createdAt));
  }

  /** Revokes a key at once: its broker connections are dropped (listeners of `consumer_key.revoked`). */
  async revoke(principal: { tenantId: string; userId: string }, id: string) {
    const [row] = await this.db
      .update(consumerKeys)
      .set({ revokedAt: new Date() })
      .where(
        and(eq(consumerKeys.id, id), eq(consumerKeys.tenantId, principal.tenantId), isNull(consumerKeys.revokedAt)),
      )
      .returning(publicColumns);
    if (!row) {
      const [existing] = await this.db
        .select(publicColumns)
        .from(consumerKeys)
        .where(and(eq(consumerKeys.id, id), eq(consumerKeys.tenantId, principal.tenantId)));
      if (!existing) throw notFound("consumer key");
      return existing; // revoking twice is harmless
    }
    await this.events.publishAndWait({ type: "consumer_key.revoked", tenantId: principal.tenantId, keyId: id });
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "consumer_key.revoke",
      detail: { keyId: id },
    });
    return row;
  }

  /** The consumer behind an MQTT login (username = key id, password = key), or undefined. */
  async authenticate(
    username: string | undefined,
    password: string | undefined,
  ): Promise<ConsumerIdentity | undefined> {
    if (!username?.startsWith(`${CONSUMER_ID_PREFIX}_`) || !password?.startsWith(CONSUMER_KEY_PREFIX)) return undefined;
    const [row] = await this.db
      .select({
        id: consumerKeys.id,
        tenantId: consumerKeys.tenantId,
        keyHash: consumerKeys.keyHash,
        lastUsedAt: consumerKeys.lastUsedAt,
      })
      .from(consumerKeys)
      .where(and(eq(consumerKeys.id, username), isNull(consumerKeys.revokedAt)));
    if (!row || !secretMatches(password, row.keyHash)) return undefined;
    const now = new Date();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
      await this.db.update(consumerKeys).set({ lastUsedAt: now }).where(eq(consumerKeys.id, row.id));
    return { tenantId: row.tenantId, keyId: row.id };
  }

  async settings(tenantId: string) {
    const [row] = await this.db.select().from(consumerSettings).where(eq(consumerSettings.tenantId, tenantId));
    return { jsonMirror: row?.jsonMirror ?? false, updatedAt: row?.updatedAt ?? null };
  }

  async updateSettings(principal: { tenantId: string; userId: string }, changes: { jsonMirror: boolean }) {
    const now = new Date();
    const [row] = await this.db
      .insert(consumerSettings)
      .values({ tenantId: principal.tenantId, jsonMirror: changes.jsonMirror, updatedAt: now })
      .onConflictDoUpdate({
        target: consumerSettings.tenantId,
        set: { jsonMirror: changes.jsonMirror, updatedAt: now },
      })
      .returning();
    this.mirrorCache.delete(principal.tenantId);
    this.mirrorLoads.delete(principal.tenantId);
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "consumer_settings.update",
      detail: changes,
    });
    return { jsonMirror: row!.jsonMirror, updatedAt: row!.updatedAt };
  }

  /** Whether the tenant opted in to the JSON mirror (cached for a few seconds: this runs per agent message). */
  async jsonMirrorEnabled(tenantId: string): Promise<boolean> {
    const cached = this.mirrorCache.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.enabled;
    // One read for a burst of misses (thousands of hosts coming online at once each ask).
    let loading = this.mirrorLoads.get(tenantId);
    if (!loading) {
      loading = this.settings(tenantId)
        .then(({ jsonMirror }) => {
          if (this.mirrorLoads.get(tenantId) === loading)
            this.mirrorCache.set(tenantId, { enabled: jsonMirror, until: Date.now() + SETTINGS_CACHE_MS });
          return jsonMirror;
        })
        .finally(() => {
          if (this.mirrorLoads.get(tenantId) === loading) this.mirrorLoads.delete(tenantId);
        });
      this.mirrorLoads.set(tenantId, loading);
    }
    return loading;
  }

  /**
   * The consumer model for an external Mosquitto: every live consumer key of every tenant (read-only, its own
   * tenant's consumer topics), plus the control plane's own login when it has one (everything under `edge/` and
   * `edge-json/`). Agents are not in it: their passwords are rotating runtime tokens (see README).
   */
  async brokerConfig(controlPlane?: { username: string; password: string }): Promise<BrokerConfig> {
    const keys = await this.db
      .select({ id: consumerKeys.id, tenantId: consumerKeys.tenantId, brokerHash: consumerKeys.brokerHash })
      .from(consumerKeys)
      .where(isNull(consumerKeys.revokedAt))
      .orderBy(consumerKeys.tenantId, consumerKeys.id);
    const logins: { username: string; hash: string; role: string; topics: string[]; write: boolean }[] = [];
    if (controlPlane) {
      const hash = mosquittoPasswordHash(controlPlane.password);
      logins.push({
        username: controlPlane.username,
        hash,
        role: "control-plane",
        topics: CONTROL_PLANE_TOPICS,
        write: true,
      });
    }
    for (const key of keys) {
      const topics = consumerAclTopics(key.tenantId);
      logins.push({ username: key.id, hash: key.brokerHash, role: `consumer-${key.tenantId}`, topics, write: false });
    }
    const acl = [
      "# Generated by the edge orchestrator control plane: its own login and the MQTT consumers (read-only).",
    ];
    const roles = new Map<string, DynsecRole>();
    for (const login of logins) {
      acl.push(
        "",
        `user ${login.username}`,
        ...login.topics.map((t) => `topic ${login.write ? "readwrite" : "read"} ${t}`),
      );
      roles.set(login.role, {
        rolename: login.role,
        acls: login.topics.flatMap((topic) => [
          { acltype: "subscribePattern", topic, priority: 0, allow: true },
          ...(login.write ? [{ acltype: "publishClientSend", topic, priority: 0, allow: true }] : []),
        ]),
      });
    }
    return {
      passwordFile: logins.map((l) => `${l.username}:${l.hash}\n`).join(""),
      aclFile: `${acl.join("\n")}\n`,
      dynamicSecurity: {
        defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
        clients: logins.map((l) => ({
          username: l.username,
          ...parseBrokerHash(l.hash),
          roles: [{ rolename: l.role }],
        })),
        groups: [],
        roles: [...roles.values()],
      },
    };
  }
}
