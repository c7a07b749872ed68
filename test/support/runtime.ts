/** Provisioning helpers: a host with a bootstrapped runtime identity. */
import type { TestPlane } from "./control-plane";

export async function hostWithRuntime(t: TestPlane, name: string, key = t.adminKey) {
  const host = (await t.api.post("/api/v1/hosts", { name: `${name}-${crypto.randomUUID().slice(0, 8)}` }, key)).body;
  const identity = (await t.api.post("/api/runtime/identities", { hostId: host.id }, key)).body;
  const tokens = (await t.api.post("/api/runtime/bootstrap/exchange", { runtimeId: identity.runtimeId, bootstrapToken: identity.bootstrapToken, runtimeVersion: "2026.02.15" })).body;
  return { hostId: host.id as string, runtimeId: identity.runtimeId as string, token: tokens.accessToken as string };
}
