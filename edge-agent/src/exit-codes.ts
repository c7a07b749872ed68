/** Process exit codes of the edge agent (documented in --help). */
export const ExitCode = {
  /** Clean shutdown (signal). */
  ok: 0,
  /** Internal failure: an actor exhausted its restarts, or an unexpected error. */
  failure: 1,
  /** Invalid configuration or unusable state directory. */
  config: 2,
  /** The control plane rejected our identity (revoked runtime or bad token). */
  rejected: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
