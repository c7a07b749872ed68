/**
 * Sign-in with username + password (+ TOTP code once enabled) → a session (JWT access + rotating refresh token).
 * Failed attempts are throttled per account (whether or not it exists, so a lockout reveals nothing) and, as every
 * failed authentication, per client address (http/rate-limit.ts).
 */
import type { Db } from "../../db/connect";
import type { RateLimiter } from "../../lib/rate-limit";
import { rejectedCredential, tooMany } from "../../lib/errors";
import type { AuditService } from "../audit/service";
import type { PeopleService } from "../people/service";
import type { SessionTokenService } from "../sessions/tokens";

/**
 * Verified against when the username is unknown, so both answers take as long. Hashed off the main thread while the
 * control plane starts (hashing it synchronously held the start ~0.3 s).
 */
const DUMMY_HASH = Bun.password.hash("not-a-real-password", { algorithm: "argon2id" });

export interface LoginInput {
  username: string;
  password: string;
  totpCode?: string;
}

export class LoginService {
  constructor(
    private readonly db: Db,
    private readonly people: PeopleService,
    private readonly userTokens: SessionTokenService,
    private readonly audit: AuditService,
    /** Failed sign-ins per account (keyed by the lower-cased username). */
    private readonly failuresByAccount: RateLimiter,
  ) {}

  async login(input: LoginInput, source: string) {
    const account = `login:${input.username.toLowerCase()}`;
    const wait = this.failuresByAccount.retryAfter(account);
    if (wait !== undefined)
      throw tooMany(wait, "account temporarily locked after too many failed sign-ins; retry later");
    const user = await this.people.byUsername(input.username);
    const passwordOk = await Bun.password.verify(input.password, user?.passwordHash ?? (await DUMMY_HASH));
    const fail = async (reason: string, message = "invalid username or password") => {
      this.failuresByAccount.hit(account);
      if (user)
        await this.audit.record({
          tenantId: user.tenantId,
          actor: user.id,
          action: "auth.login_failed",
          target: user.id,
          detail: { reason, source },
        });
      return rejectedCredential("unauthenticated", message);
    };
    if (!user?.passwordHash || !passwordOk) throw await fail("password");
    if (user.disabledAt) throw await fail("disabled");
    if (user.totpEnabledAt) {
      if (!input.totpCode) throw rejectedCredential("unauthenticated", "totp_required", { totpRequired: true });
      if (!(await this.people.acceptTotp(user, input.totpCode)))
        throw await fail("totp", "invalid or already used TOTP code");
    }
    const pair = await this.userTokens.issue(this.db, { tenantId: user.tenantId, userId: user.id });
    await this.audit.record({
      tenantId: user.tenantId,
      actor: user.id,
      action: "auth.login",
      target: user.id,
      detail: { source, totp: user.totpEnabledAt !== null },
    });
    return { ...pair, userId: user.id };
  }
}
