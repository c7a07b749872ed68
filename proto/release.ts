/**
 * Signed release manifests: the wire format shared by the release tool (signs), the control plane (stores and
 * serves, never holds the private key) and the agent (verifies against its pinned public key).
 * The signature is ed25519 (tweetnacl) over the exact UTF-8 bytes of `manifest`, a JSON string.
 */
import nacl from "tweetnacl";
import { createHash } from "node:crypto";

export interface ReleaseScript {
  id: string;
  description: string;
  /** Path as served by `GET /api/runtime/updates/scripts?path=`. */
  path: string;
  /** Lower-case hex sha256 of the script body. */
  sha256: string;
}

export interface ReleaseManifest {
  channel: string;
  version: string;
  notes: string;
  /** ISO timestamps; an agent refuses a manifest past `expiresAt` (freeze attacks). */
  issuedAt: string;
  expiresAt: string;
  scripts: ReleaseScript[];
}

export interface SignedManifest {
  /** The manifest as the exact JSON string that was signed. */
  manifest: string;
  /** base64 ed25519 detached signature. */
  signature: string;
  /** base64 public key the release was signed with (informational: agents trust only their pinned key). */
  publicKey: string;
}

export const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

export function generateKeyPair(): { publicKey: string; secretKey: string } {
  const pair = nacl.sign.keyPair();
  return { publicKey: Buffer.from(pair.publicKey).toString("base64"), secretKey: Buffer.from(pair.secretKey).toString("base64") };
}

export function signManifest(manifest: ReleaseManifest, secretKeyBase64: string): SignedManifest {
  const secretKey = new Uint8Array(Buffer.from(secretKeyBase64, "base64"));
  if (secretKey.length !== nacl.sign.secretKeyLength) throw new Error("secret key must be a base64 ed25519 secret key (64 bytes)");
  const json = JSON.stringify(manifest);
  const signature = nacl.sign.detached(new TextEncoder().encode(json), secretKey);
  const publicKey = nacl.sign.keyPair.fromSecretKey(secretKey).publicKey;
  return { manifest: json, signature: Buffer.from(signature).toString("base64"), publicKey: Buffer.from(publicKey).toString("base64") };
}

/** Verifies the signature with the pinned key and parses the manifest; throws with a clear reason otherwise. */
export function verifySignedManifest(signed: SignedManifest, pinnedPublicKeyBase64: string): ReleaseManifest {
  const publicKey = new Uint8Array(Buffer.from(pinnedPublicKeyBase64, "base64"));
  if (publicKey.length !== nacl.sign.publicKeyLength) throw new Error("pinned public key is not a base64 ed25519 public key");
  const signature = new Uint8Array(Buffer.from(signed.signature ?? "", "base64"));
  if (signature.length !== nacl.sign.signatureLength || typeof signed.manifest !== "string") throw new Error("malformed signature");
  if (!nacl.sign.detached.verify(new TextEncoder().encode(signed.manifest), signature, publicKey)) {
    throw new Error("manifest signature does not verify against the pinned public key");
  }
  const manifest = JSON.parse(signed.manifest) as ReleaseManifest;
  if (!manifest || typeof manifest.version !== "string" || !Array.isArray(manifest.scripts)) throw new Error("malformed manifest");
  return manifest;
}

/** Compares dotted versions numerically segment by segment (`2026.02.20` > `2026.02.15`, `1.10` > `1.9`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+]/);
  const pb = b.split(/[.\-+]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "0";
    const y = pb[i] ?? "0";
    const nx = Number(x);
    const ny = Number(y);
    const diff = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
