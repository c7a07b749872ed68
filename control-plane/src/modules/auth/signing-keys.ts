/**
 * Keys signing user access tokens (JWT, ES256, `kid` in the header). Configured keys (`JWT_SIGNING_KEYS`) win;
 * otherwise the keys live in `signing_keys`: one is generated on first start, `rotate()` adds a new signing key and
 * retires the previous one, which still verifies the tokens it signed until they have expired.
 */
import { desc, isNull } from "drizzle-orm";
import {
  type CryptoKey,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { type Db, withAdvisoryLock } from "../../db/connect";
import { signingKeys } from "../../db/schema";
import { conflict } from "../../http/errors";
import { newId } from "../../lib/ids";

export const ACCESS_TOKEN_ISSUER = "edge-orchestrator";
const ALG = "ES256";
/** Serialises the first key's generation across control planes. */
const SIGNING_KEY_LOCK = 7_310_009;
/** Clock skew tolerated on `exp` / `iat`. */
const CLOCK_TOLERANCE_SECONDS = 5;

interface LoadedKey {
  kid: string;
  privateKey?: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** Verification ends at this time (retired keys); undefined = the key still signs or is configured. */
  verifiesUntil?: number;
}

export interface AccessClaims {
  /** User id. */
  sub: string;
  tenantId: string;
  /** Session token row id (jti) and family (sid). */
  jti: string;
  sid: string;
}

export class SigningKeys {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;

  constructor(
    private readonly db: Db,
    /** Private JWKs from config, each with a `kid`; the first signs. Empty = keys in the database. */
    private readonly configured: JWK[],
    /** Longest access-token lifetime: how long a retired key keeps verifying. */
    private readonly accessTokenTtlSeconds: () => number,
  ) {}

  /** Loads (and on first start generates) the keys. */
  async load(): Promise<void> {
    if (this.configured.length > 0) {
      this.keys = await Promise.all(this.configured.map((jwk) => fromJwk(jwk)));
      return;
    }
    let rows = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
    if (!rows.some((row) => !row.retiredAt)) {
      await withAdvisoryLock(this.db, SIGNING_KEY_LOCK, async (tx) => {
        const live = await tx.select().from(signingKeys).where(isNull(signingKeys.retiredAt));
        if (live.length === 0) await tx.insert(signingKeys).values(await newKeyRow());
      });
      rows = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
    }
    const ttlMs = (this.accessTokenTtlSeconds() + CLOCK_TOLERANCE_SECONDS) * 1000;
    const live = rows.filter((row) => !row.retiredAt || row.retiredAt.getTime() + ttlMs > Date.now());
    this.keys = await Promise.all(
      live.map(async (row) => ({
        ...(await fromJwk(row.privateJwk as JWK, row.kid)),
        verifiesUntil: row.retiredAt ? row.retiredAt.getTime() + ttlMs : undefined,
      })),
    );
    this.loadedAt = Date.now();
  }

  /** A new signing key; the current one is retired (verifies until its tokens expire). */
  async rotate(): Promise<{ kid: string }> {
    if (this.configured.length > 0) throw conflict("signing keys come from JWT_SIGNING_KEYS: rotate them there");
    const row = await newKeyRow();
    await this.db.transaction(async (tx) => {
      await tx.update(signingKeys).set({ retiredAt: new Date() }).where(isNull(signingKeys.retiredAt));
      await tx.insert(signingKeys).values(row);
    });
    await this.load();
    return { kid: row.kid };
  }

  async sign(claims: AccessClaims, expiresAt: Date): Promise<string> {
    const key = this.keys.find((k) => k.privateKey && k.verifiesUntil === undefined);
    if (!key?.privateKey) throw new Error("no signing key loaded");
    return new SignJWT({ tid: claims.tenantId, sid: claims.sid })
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: "at+jwt" })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(key.privateKey);
  }

  /** Claims of a token signed by one of our live keys and not expired; undefined otherwise. */
  async verify(token: string): Promise<JWTPayload | undefined> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return undefined;
    }
    if (!kid) return undefined;
    let key = this.keys.find((k) => k.kid === kid);
    // Another replica may have rotated: reload at most every few seconds.
    if (!key && this.configured.length === 0 && Date.now() - this.loadedAt > 2000) {
      await this.load();
      key = this.keys.find((k) => k.kid === kid);
    }
    if (!key || (key.verifiesUntil !== undefined && key.verifiesUntil <= Date.now())) return undefined;
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        issuer: ACCESS_TOKEN_ISSUER,
        algorithms: [ALG],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        typ: "at+jwt",
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  /** Public keys (JWKS) of every key that still verifies. */
  jwks(): { keys: JWK[] } {
    const now = Date.now();
    return {
      keys: this.keys.filter((k) => k.verifiesUntil === undefined || k.verifiesUntil > now).map((k) => k.publicJwk),
    };
  }
}

/** Does this look like a JWT issued by us (before verification)? */
export function isOwnJwt(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    return payload?.iss === ACCESS_TOKEN_ISSUER;
  } catch {
    return false;
  }
}

async function newKeyRow() {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = newId("kid");
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
  return { kid, alg: ALG, privateJwk, publicJwk: publicPart(privateJwk) };
}

function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return { ...pub, use: "sig" };
}

async function fromJwk(jwk: JWK, kid = jwk.kid): Promise<LoadedKey> {
  if (!kid) throw new Error("config: every key of JWT_SIGNING_KEYS needs a kid");
  const alg = jwk.alg ?? ALG;
  if (alg !== ALG) throw new Error(`config: JWT_SIGNING_KEYS must be ${ALG} keys`);
  const publicJwk = { ...publicPart(jwk), kid, alg };
  return {
    kid,
    privateKey: jwk.d ? ((await importJWK(jwk, alg)) as CryptoKey) : undefined,
    publicKey: (await importJWK(publicJwk, alg)) as CryptoKey,
    publicJwk,
  };
}
