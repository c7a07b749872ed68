/** Provisioning helpers: a host with a bootstrapped runtime identity. */
import type { TestPlane } from "./control-plane";
import { waitFor } from "./wait";

export async function hostWithRuntime(t: TestPlane, name: string, key = t.adminKey) {
  const host = (await t.api.post("/api/v1/hosts", { name: `${name}-${crypto.randomUUID().slice(0, 8)}` }, key)).body;
  const identity = (await t.api.post("/api/runtime/identities", { hostId: host.id }, key)).body;
  const tokens = (await t.api.post("/api/runtime/bootstrap/exchange", { runtimeId: identity.runtimeId, bootstrapToken: identity.bootstrapToken, runtimeVersion: "2026.02.15" })).body;
  return { hostId: host.id as string, runtimeId: identity.runtimeId as string, token: tokens.accessToken as string };
}

/** Waits until a command is completed or failed and returns it. */
export function commandFinished(t: TestPlane, id: string, timeoutMs = 10_000) {
  return waitFor(
    `command ${id} to finish`,
    async () => {
      const c = (await t.api.get(`/api/v1/commands/${id}`, t.adminKey)).body;
      return c.status === "completed" || c.status === "failed" ? c : undefined;
    },
    timeoutMs,
  );
}
