/**
 * The worker's recovery secret (`<state-dir>/recovery-secret`, mode 0600): given once at enrollment, it re-issues
 * the token pair when the refresh token is refused (POST /api/workers/recover) and rotates on every use.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface RecoverySecretSource {
  load(): string | undefined;
  save(secret: string): void;
}

export class RecoverySecretFile implements RecoverySecretSource {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, "recovery-secret");
  }

  load(): string | undefined {
    if (!existsSync(this.path)) return undefined;
    return readFileSync(this.path, "utf8").trim() || undefined;
  }

  /** Atomic replace: a crash leaves either the old or the new secret, never half of one. */
  save(secret: string): void {
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, secret, { mode: 0o600 });
    renameSync(temp, this.path);
  }
}
