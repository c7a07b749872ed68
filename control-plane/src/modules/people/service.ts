/**
 * People: the `users` table's owner. Developers (created by tenant admins), passwords (argon2id), TOTP (RFC 6238),
 * profiles. Sign-in itself is in modules/auth/login.ts.
 */
import { and, asc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { Db, Queryable } from "../../db/connect";
import { users } from "../../db/schema";
import { conflict, forbidden, invalid, notFound, rejectedCredential } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { SessionTokenService } from "../sessions/tokens";
import type { CredentialChanges } from "../../lib/credential-changes";

export type User = typeof users.$inferSelect;
export type TenantRole = User["role"];

const TOTP_ISSUER = "Edge orchestrator";
const TOTP_PERIOD = 30;
/** Codes of the previous and next period are accepted (clock skew). */
const TOTP_WINDOW = 1;

/** A user as the API shows it: never the password hash or TOTP secret. */
export function publicUser(user: User) {
  return {
    id: user.id,
    name: user.name,
    username: user.username,
    email: user.email,
    role: user.role,
    isSuperadmin: user.isSuperadmin,
    gitName: user.gitName,
    gitEmail: user.gitEmail,
    totpEnabled: user.totpEnabledAt !== null,
    hasPassword: user.passwordHash !== null,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt,
  };
}

export interface NewUser {
  tenantId: string;
  name: string;
  username?: string;
  password?: string;
  role: TenantRole;
  isSuperadmin?: boolean;
  gitName?: string;
  gitEmail?: string;
  email?: string;
}

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

export class PeopleService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly userSessions: SessionTokenService,
    private readonly changes?: CredentialChanges,
  ) {}

  async create(input: NewUser, q: Queryable = this.db): Promise<User> {
    if (input.password !== undefined) checkPasswordStrength(input.password);
    const [row] = await q
      .insert(users)
      .values({
        id: newId("user"),
        tenantId: input.tenantId,
        name: input.name,
        username: input.username ?? null,
        passwordHash: input.password !== undefined ? await hashPassword(input.password) : null,
        role: input.role,
        isSuperadmin: input.isSuperadmin ?? false,
        gitName: input.gitName ?? null,
        gitEmail: input.gitEmail ?? null,
        email: input.email ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict("username already taken");
    return row;
  }

  /** `/api/admin/developers`: a tenant admin creates a person who signs in with `name` and `password`. */
  async createDeveloper(
    actor: UserPrincipal,
    input: { name: string; password: string; role?: TenantRole; gitName?: string; gitEmail?: string; email?: string },
  ) {
    const user = await this.create({
      ...input,
      tenantId: actor.tenantId,
      username: input.name,
      role: input.role ?? "member",
    });
    await this.audit.record({
      tenantId: actor.tenantId,
      actor: actor.userId,
      action: "user.create",
      target: user.id,
      detail: { role: user.role },
    });
    return publicUser(user);
  }

  async list(tenantId: string) {
    const rows = await this.db.select().from(users).where(eq(users.tenantId, tenantId)).orderBy(asc(users.name));
    return rows.map(publicUser);
  }

  /** Active (not disabled) users of the tenant: their ids and tenant roles (notification audiences). */
  async activeMembers(tenantId: string): Promise<{ id: string; role: TenantRole; isSuperadmin: boolean }[]> {
    return this.db
      .select({ id: users.id, role: users.role, isSuperadmin: users.isSuperadmin })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), isNull(users.disabledAt)));
  }

  async find(tenantId: string, id: string, q: Queryable = this.db): Promise<User> {
    const [row] = await q
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.tenantId, tenantId)));
    if (!row) throw notFound("user");
    return row;
  }

  /** The user by id, whatever the tenant (the authenticator's lookup). */
  async byId(id: string, q: Queryable = this.db): Promise<User | undefined> {
    const [row] = await q.select().from(users).where(eq(users.id, id));
    return row;
  }

  /** The users among `ids` of the tenant, by id. */
  async byIds(tenantId: string, ids: string[]): Promise<Map<string, User>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenantId), inArray(users.id, ids)));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The installation admin created first, if any (in the caller's transaction). */
  async superadmin(q: Queryable = this.db): Promise<User | undefined> {
    const [row] = await q
      .select()
      .from(users)
      .where(eq(users.isSuperadmin, true))
      .orderBy(asc(users.createdAt))
      .limit(1);
    return row;
  }

  async byUsername(username: string): Promise<User | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.username, username));
    return row;
  }

  async byExternalSubject(subject: string, email?: string): Promise<User | undefined> {
    const conditions = [eq(users.externalSubject, subject)];
    if (email) conditions.push(and(isNull(users.externalSubject), eq(users.email, email))!);
    const rows = await this.db
      .select()
      .from(users)
      .where(or(...conditions));
    // A subject already mapped wins over an e-mail match; an ambiguous e-mail maps to nobody.
    const bySubject = rows.find((row) => row.externalSubject === subject);
    if (bySubject) return bySubject;
    if (rows.length !== 1) return undefined;
    await this.db.update(users).set({ externalSubject: subject }).where(eq(users.id, rows[0]!.id));
    return rows[0];
  }

  /** Admin update: role, names, password, disabled. A demotion or disabling ends the user's sessions. */
  async updateDeveloper(
    actor: UserPrincipal,
    id: string,
    patch: {
      name?: string;
      role?: TenantRole;
      password?: string;
      gitName?: string;
      gitEmail?: string;
      email?: string;
      disabled?: boolean;
    },
  ) {
    if (Object.keys(patch).length === 0) throw invalid("invalid body: nothing to update");
    const before = await this.find(actor.tenantId, id);
    if (before.isSuperadmin && !actor.isSuperadmin) throw forbidden("only installation admins change them");
    if (patch.password !== undefined) checkPasswordStrength(patch.password);
    const { password, disabled, name, ...rest } = patch;
    const [row] = await this.db
      .update(users)
      .set({
        ...rest,
        ...(name !== undefined ? { name, username: before.username === null ? null : name } : {}),
        ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}),
        ...(disabled !== undefined ? { disabledAt: disabled ? new Date() : null } : {}),
      })
      .where(eq(users.id, id))
      .returning();
    this.changes?.changed(); // cached API-key identities of this replica, before it answers (the others: NOTIFY)
    if (password !== undefined || disabled) await this.userSessions.revokeUserSessions(actor.tenantId, id);
    const changed = Object.keys(patch).filter((k) => k !== "password");
    await this.audit.record({
      tenantId: actor.tenantId,
      actor: actor.userId,
      action: patch.role !== undefined && patch.role !== before.role ? "user.role_change" : "user.update",
      target: id,
      detail: {
        changed,
        ...(patch.role !== undefined ? { from: before.role, to: patch.role } : {}),
        passwordReset: password !== undefined,
      },
    });
    return publicUser(row!);
  }

  async profile(principal: UserPrincipal) {
    return publicUser(await this.find(principal.tenantId, principal.userId));
  }

  async updateProfile(principal: UserPrincipal, patch: { gitName?: string; gitEmail?: string }) {
    if (Object.keys(patch).length === 0) throw invalid("invalid body: nothing to update");
    const [row] = await this.db.update(users).set(patch).where(eq(users.id, principal.userId)).returning();
    return publicUser(row!);
  }

  /** Changes the caller's password; every other session of theirs ends (the calling session stays). */
  async changePassword(principal: UserPrincipal, currentPassword: string | undefined, newPassword: string) {
    const user = await this.find(principal.tenantId, principal.userId);
    if (user.passwordHash !== null) {
      if (currentPassword === undefined || !(await Bun.password.verify(currentPassword, user.passwordHash)))
        throw rejectedCredential("invalid", "current password is wrong"); // counts as a failed attempt
    }
    checkPasswordStrength(newPassword);
    await this.db
      .update(users)
      .set({ passwordHash: await hashPassword(newPassword) })
      .where(eq(users.id, user.id));
    const revokedSessions = await this.userSessions.revokeUserSessions(
      principal.tenantId,
      principal.userId,
      principal.familyId,
    );
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "user.password_change",
      target: principal.userId,
      detail: { revokedSessions },
    });
    return { ok: true, revokedSessions };
  }

  /** Starts (or restarts) TOTP enrolment: a new secret, not enforced until verified. */
  async totpSetup(principal: UserPrincipal) {
    const user = await this.find(principal.tenantId, principal.userId);
    if (user.totpEnabledAt) throw conflict("TOTP is already enabled; an admin can reset it");
    const secret = new Secret({ size: 20 });
    await this.db.update(users).set({ totpSecret: secret.base32, totpLastStep: null }).where(eq(users.id, user.id));
    const uri = totpFor(user.username ?? user.name, secret.base32).toString();
    return { secret: secret.base32, otpauthUri: uri, qrCodeSvg: await svgDataUri(uri) };
  }

  /** Enables TOTP once the user shows a valid code from their authenticator. */
  async totpVerify(principal: UserPrincipal, code: string) {
    const user = await this.find(principal.tenantId, principal.userId);
    if (!user.totpSecret) throw invalid("no TOTP setup in progress: call totp/setup first");
    if (user.totpEnabledAt) throw conflict("TOTP is already enabled");
    if (!(await this.acceptTotp(user, code))) throw invalid("invalid TOTP code");
    await this.db.update(users).set({ totpEnabledAt: new Date() }).where(eq(users.id, user.id));
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "user.totp_enable",
      target: principal.userId,
    });
    return { totpEnabled: true };
  }

  async totpReset(actor: UserPrincipal, id: string) {
    const user = await this.find(actor.tenantId, id);
    if (user.isSuperadmin && !actor.isSuperadmin) throw forbidden("only installation admins change them");
    await this.db
      .update(users)
      .set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null })
      .where(eq(users.id, id));
    await this.audit.record({ tenantId: actor.tenantId, actor: actor.userId, action: "user.totp_reset", target: id });
    return { totpEnabled: false };
  }

  /**
   * Checks a TOTP code and consumes its time step: the same code (or an older one) is refused afterwards, so a code
   * seen by someone else cannot be replayed within its window.
   */
  async acceptTotp(user: User, code: string): Promise<boolean> {
    if (!user.totpSecret || !/^\d{6}$/.test(code)) return false;
    const delta = totpFor(user.username ?? user.name, user.totpSecret).validate({ token: code, window: TOTP_WINDOW });
    if (delta === null) return false;
    const step = Math.floor(Date.now() / 1000 / TOTP_PERIOD) + delta;
    const [claimed] = await this.db
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id });
    return Boolean(claimed);
  }
}

function totpFor(label: string, base32: string) {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(base32),
  });
}

async function svgDataUri(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}

/** Length bounds: at least 8 characters; at most 256 (argon2's cost grows with the input). */
export function checkPasswordStrength(password: string) {
  if (password.length < 8) throw invalid("password must be at least 8 characters");
  if (password.length > 256) throw invalid("password must be at most 256 characters");
}
