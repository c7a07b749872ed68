/** Release verification (fails closed): pinned-key signature, channel, version, rollback and freeze checks, script hashes. */
import {
  compareVersions,
  sha256Hex,
  verifySignedManifest,
  type ReleaseManifest,
  type ReleaseScript,
} from "@edge/proto/release";
import type { UpdateAnswer } from "./update-client.ts";
import { UpdateRejectedError } from "./types.ts";

export const NO_PINNED_KEY = "no pinned update key";

export interface VerifyOptions {
  /** The key pinned in config; the answer's own publicKey is never trusted. */
  pinnedKey: string | undefined;
  channel: string;
  currentVersion: string;
  /** Required version, if the caller asked for one. */
  targetVersion?: string;
  now: number;
}

/** Returns the verified manifest of the offered release, or throws UpdateRejectedError. */
export function verifyRelease(answer: UpdateAnswer, opts: VerifyOptions): ReleaseManifest {
  const reject = (reason: string): never => {
    throw new UpdateRejectedError(reason);
  };
  if (!opts.pinnedKey) reject(NO_PINNED_KEY);
  if (!answer.signedManifest) reject("signature: the control plane sent no signed manifest");
  let manifest: ReleaseManifest;
  try {
    // Verifies the signature, then the manifest against the shared schema (ReleaseManifestSchema).
    manifest = verifySignedManifest(answer.signedManifest!, opts.pinnedKey!);
  } catch (error) {
    return reject(`signature: ${(error as Error).message}`);
  }
  if (manifest.channel !== opts.channel)
    reject(`manifest channel "${manifest.channel}" is not the requested channel "${opts.channel}"`);
  if (manifest.version !== answer.targetVersion)
    reject(`manifest version ${manifest.version} does not match the offered version ${answer.targetVersion}`);
  if (opts.targetVersion !== undefined && manifest.version !== opts.targetVersion) {
    reject(`manifest version ${manifest.version} is not the requested version ${opts.targetVersion}`);
  }
  if (compareVersions(manifest.version, opts.currentVersion) <= 0) {
    reject(`version ${manifest.version} is not newer than ${opts.currentVersion} (rollback refused)`);
  }
  if (!(Date.parse(manifest.expiresAt) > opts.now))
    reject(`manifest expired at ${manifest.expiresAt} (freeze attack?)`);
  return manifest;
}

/** A downloaded script must hash to what the signed manifest says. */
export function checkScript(script: ReleaseScript, body: Uint8Array): void {
  if (sha256Hex(body) !== script.sha256.toLowerCase())
    throw new UpdateRejectedError(`script ${script.id} sha256 mismatch`);
}
