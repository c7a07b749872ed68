/**
 * Signed release manifests: the wire format shared by the release tool (signs), the control plane (stores and
 * serves, never holds the private key) and the agent (verifies against its pinned public key).
 * The signature is ed25519 (tweetnacl) over the exact UTF-8 bytes of `manifest`, a JSON string.
 */
import nacl from "tweetnacl";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** Channels: lower-case names (`stable`, `beta-2`); used in URLs and logs, so nothing else. */
export const CHANNEL_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$";
/** Release versions: dotted numbers with an optional `-pre`/`+build` suffix (`2026.02.20`, `1.4.0-rc.1`). */
export const RELEASE_VERSION_PATTERN = "^[0-9]{1,9}(\\.[0-9]{1,9}){0,5}([-+][0-9A-Za-z][0-9A-Za-z.-]{0,31})?$";
const ISO_TIMESTAMP_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$";
/** A script path: relative, `/`-separated segments of `[A-Za-z0-9._-]`, none of them `.` or `..`. */
const SCRIPT_PATH_PATTERN = "^(?!.*(^|/)\\.{1,2}(/|$))[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$";

export const ReleaseScriptSchema = Type.Object(
  {
    id: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" }),
    description: Type.String({ maxLength: 500 }),
    /** Path as served by `GET /api/runtime/updates/scripts`. */
    path: Type.String({ maxLength: 300, pattern: SCRIPT_PATH_PATTERN }),
    /** Lower-case hex sha256 of the script body. */
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  },
  { additionalProperties: false },
);

/** The one schema of a release manifest: the release tool, the control plane (publish) and the agent check it. */
export const ReleaseManifestSchema = Type.Object(
  {
    channel: Type.String({ pattern: CHANNEL_PATTERN }),
    version: Type.String({ maxLength: 64, pattern: RELEASE_VERSION_PATTERN }),
    notes: Type.String({ maxLength: 10_000 }),
    /** ISO timestamps; an agent refuses a manifest past `expiresAt` (freeze attacks). */
    issuedAt: Type.String({ pattern: ISO_TIMESTAMP_PATTERN }),
    expiresAt: Type.String({ pattern: ISO_TIMESTAMP_PATTERN }),
    scripts: Type.Array(ReleaseScriptSchema, { maxItems: 100 }),
  },
  { additionalProperties: false },
);

export type ReleaseScript = Static<typeof ReleaseScriptSchema>;
export type ReleaseManifest = Static<typeof ReleaseManifestSchema>;

/** Whether a script path is a plain relative path (no traversal, no absolute path, no odd characters). */
export const isSafeScriptPath = (path: string) => path.length <= 300 && new RegExp(SCRIPT_PATH_PATTERN).test(path);

/** Checks a parsed manifest against the schema and its cross-field rules; throws with the first problem. */
export function validateManifest(value: unknown): ReleaseManifest {
  if (!Value.Check(ReleaseManifestSchema, value)) {
    const first = Value.Errors(ReleaseManifestSchema, value).First();
    const field = first?.path ? first.path.replace(/^\//, "").replaceAll("/", ".") : "manifest";
    throw new Error(`malformed manifest: ${field}: ${first?.message ?? "invalid"}`);
  }
  const issuedAt = Date.parse(value.issuedAt);
  const expiresAt = Date.parse(value.expiresAt);
  if (Number.isNaN(issuedAt) || Number.isNaN(expiresAt))
    throw new Error("malformed manifest: issuedAt and expiresAt must be valid timestamps");
  if (expiresAt <= issuedAt) throw new Error("malformed manifest: expiresAt must be after issuedAt");
  for (const key of ["id", "path"] as const) {
    const seen = new Set(value.scripts.map((s) => s[key]));
    if (seen.size !== value.scripts.length) throw new Error(`malformed manifest: scripts have duplicate ${key}s`);
  }
  return value;
}

/** Parses and validates the signed JSON string of a manifest. */
export function parseManifest(json: string): ReleaseManifest {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error("malformed manifest: not JSON");
  }
  return validateManifest(value);
}

export interface SignedManifest {
  /** The manifest as the exact JSON string that was signed. */
  manifest: string;
  /** base64 ed25519 detached signature. */
  signature: string;
  /** base64 public key the release was signed with (informational: agents trust only their pinned key). */
  publicKey: string;
}

/** Bun's native hasher: node:crypto would be loaded at the agent's start for this alone (README, agent footprint). */
export const sha256Hex = (data: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

export function generateKeyPair(): { publicKey: string; secretKey: string } {
  const pair = nacl.sign.keyPair();
  return {
    publicKey: Buffer.from(pair.publicKey).toString("base64"),
    secretKey: Buffer.from(pair.secretKey).toString("base64"),
  };
}

/** Whether `key` is a base64 ed25519 public key. */
export function isPublicKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(key) && Buffer.from(key, "base64").length === nacl.sign.publicKeyLength;
}

/** Signs a manifest (validated first: nothing malformed gets signed). */
export function signManifest(manifest: ReleaseManifest, secretKeyBase64: string): SignedManifest {
  validateManifest(manifest);
  const secretKey = new Uint8Array(Buffer.from(secretKeyBase64, "base64"));
  if (secretKey.length !== nacl.sign.secretKeyLength)
    throw new Error("secret key must be a base64 ed25519 secret key (64 bytes)");
  const json = JSON.stringify(manifest);
  const signature = nacl.sign.detached(new TextEncoder().encode(json), secretKey);
  const publicKey = nacl.sign.keyPair.fromSecretKey(secretKey).publicKey;
  return {
    manifest: json,
    signature: Buffer.from(signature).toString("base64"),
    publicKey: Buffer.from(publicKey).toString("base64"),
  };
}

/** Verifies the signature with the pinned key and parses the manifest; throws with a clear reason otherwise. */
export function verifySignedManifest(signed: SignedManifest, pinnedPublicKeyBase64: string): ReleaseManifest {
  const publicKey = new Uint8Array(Buffer.from(pinnedPublicKeyBase64, "base64"));
  if (publicKey.length !== nacl.sign.publicKeyLength)
    throw new Error("pinned public key is not a base64 ed25519 public key");
  const signature = new Uint8Array(Buffer.from(signed.signature ?? "", "base64"));
  if (signature.length !== nacl.sign.signatureLength || typeof signed.manifest !== "string")
    throw new Error("malformed signature");
  if (!nacl.sign.detached.verify(new TextEncoder().encode(signed.manifest), signature, publicKey)) {
    throw new Error("manifest signature does not verify against the pinned public key");
  }
  return parseManifest(signed.manifest);
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

/**
 * A release from a folder of scripts (the release tool and `edgectl release publish`): every file of `dir`, sorted
 * by name, is one step, run in that order; a first line `# description: ...` describes it. Returns the manifest to
 * sign and the script bodies to upload. Throws when the folder has no files.
 */
export function buildRelease(
  dir: string,
  opts: { version: string; channel: string; notes: string; expiresInDays: number; now?: Date },
): { manifest: ReleaseManifest; bodies: { path: string; body: string }[] } {
  const files = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
  if (files.length === 0) throw new Error(`no scripts in ${dir}`);
  const scripts = files.map((name, i) => {
    const body = readFileSync(join(dir, name), "utf8");
    const described = /^#\s*description:\s*(.+)$/m.exec(body.split("\n").slice(0, 3).join("\n"));
    return {
      id: `step_${i + 1}`,
      description: described?.[1]?.trim() ?? name,
      path: `scripts/${opts.version}/${name}`,
      sha256: sha256Hex(body),
      body,
    };
  });
  const now = opts.now ?? new Date();
  const manifest: ReleaseManifest = {
    channel: opts.channel,
    version: opts.version,
    notes: opts.notes,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + opts.expiresInDays * 86_400_000).toISOString(),
    scripts: scripts.map(({ body: _body, ...step }) => step),
  };
  return { manifest, bodies: scripts.map(({ path, body }) => ({ path, body })) };
}
