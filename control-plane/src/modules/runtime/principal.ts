/** A runtime (edge agent) calling with its runtime access token. */
export interface RuntimePrincipal {
  kind: "runtime";
  tenantId: string;
  runtimeId: string;
  /** The host this runtime runs on (the reference calls it `agentId`). */
  hostId: string;
  /** The user who created the identity. */
  userId: string;
  runtimeVersion: string | null;
  accessTokenExpiresAt: Date;
}

export const RUNTIME_ACCESS_PREFIX = "rt_at_";
export const RUNTIME_REFRESH_PREFIX = "rt_rt_";
export const BOOTSTRAP_PREFIX = "rtb_";
