/** What a runtime.update command asks of the updater, and what it gets back. */

export interface UpdateRequest {
  /** One-time grant issued by the control plane for this agent. */
  grantToken: string;
  /** Default: the configured update channel. */
  channel?: string;
  /** If given, the release must be exactly this version. */
  targetVersion?: string;
}

export type UpdateOutcome =
  | { ok: true; fromVersion: string; toVersion: string }
  /** rejected = the release did not pass verification; failed = it could not be installed. Nothing changed either way. */
  | { ok: false; status: "rejected" | "failed"; reason: string; fromVersion: string; toVersion: string };

/** A verification problem: the update is refused and reported as `rejected`. */
export class UpdateRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UpdateRejectedError";
  }
}
