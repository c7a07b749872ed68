/** Secret tokens: random, prefixed by kind, stored only as sha256 hashes, compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new secret token: `prefix` + 256 random bits in base64url. */
export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Human-typeable code like `F6H9-K2Q1` (no 0/O/1/I ambiguity). */
export function newUserCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = randomBytes(8);
  let code = "";
  for (let i = 0; i < 8; i++) code += alphabet[bytes[i]! % alphabet.length];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
