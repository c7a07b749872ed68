/** Helpers shared by the agent's unit tests (test/unit/agent-*.test.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IdentitySource, StoredIdentity } from "../src/store/identity-store.ts";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "edge-agent-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const TEST_IDENTITY = {
  runtimeId: "runtime_test",
  agentId: "host_1",
  userId: "user_1",
  tenantId: "tenant_1",
  hostId: "host_1",
};

/** Identity + tokens in memory: lets MQTT tests run without a control plane. */
export class MemoryIdentitySource implements IdentitySource {
  saves = 0;
  constructor(public value: StoredIdentity | undefined) {}
  load() {
    return this.value;
  }
  save(identity: StoredIdentity) {
    this.saves++;
    this.value = identity;
  }
}

export function testIdentity(overrides: Partial<StoredIdentity> = {}): StoredIdentity {
  const now = Date.now();
  return {
    ...TEST_IDENTITY,
    accessToken: "access-1",
    accessTokenExpiresAt: now + 3_600_000,
    refreshToken: "refresh-1",
    refreshTokenExpiresAt: now + 86_400_000,
    refreshDueAt: now + 2_700_000,
    ...overrides,
  };
}
